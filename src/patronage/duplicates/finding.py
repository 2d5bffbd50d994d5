"""The likely duplicates among a workspace's customers: each customer filed under its
blocking keys, and only customers filed together compared, each pair once.

Kept small for a million customers: a key is filed as a 64-bit number (its hash beside the
customer's place in the list) in one of 256 arrays, sorted one array at a time; the pairs
found are numbers too, sorted the same way to drop the ones two keys found twice. What is
held is the profiles, the filed keys (8 bytes each) and the pairs (8 bytes each)."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence

from patronage.duplicates.likeness import (
    MAX_BLOCK,
    THRESHOLD,
    Likeness,
    Profile,
    blocking_keys,
    likeness,
)

_PARTS = 256


def _filed(profiles: Sequence[Profile], places: int) -> list[array]:
    """Each profile's keys as hash and place numbers, in arrays by the hash's top bits."""
    hash_bits = 63 - places
    mask, shift = (1 << hash_bits) - 1, hash_bits - 8
    parts = [array("q") for _ in range(_PARTS)]
    for place, found in enumerate(profiles):
        for key in blocking_keys(found):
            hashed = hash(key) & mask
            parts[hashed >> shift].append(hashed << places | place)
    return parts


def _paired(parts: list[array], places: int) -> list[array]:
    """The pairs of places filed under one key (a key of 2 to MAX_BLOCK customers), as
    numbers (first place, second place), in arrays by the first place's top bits."""
    low = (1 << places) - 1
    shift = max(0, places - 8)
    pairs = [array("q") for _ in range(_PARTS)]
    for index, part in enumerate(parts):
        filed = sorted(part)
        parts[index] = array("q")  # the sorted list replaces it; keep one in memory
        start = 0
        for end in range(1, len(filed) + 1):
            if end < len(filed) and filed[end] >> places == filed[start] >> places:
                continue
            if 2 <= end - start <= MAX_BLOCK:
                group = sorted(number & low for number in filed[start:end])
                for i, first in enumerate(group):
                    to = pairs[first >> shift]
                    for second in group[i + 1:]:
                        if second != first:
                            to.append(first << places | second)
            start = end
    return pairs


def scan(profiles: Sequence[Profile], threshold: float = THRESHOLD,
         progress: Callable[[int, int], None] | None = None
         ) -> Iterator[tuple[int, int, Likeness]]:
    """The pairs of ``profiles`` (by id, lower first) scoring ``threshold`` or more, with
    their likeness. ``progress(done, total)`` is told how many pairs are compared."""
    places = max(20, len(profiles).bit_length())
    pairs = _paired(_filed(profiles, places), places)
    total, done = sum(len(part) for part in pairs), 0
    low = (1 << places) - 1
    for index, part in enumerate(pairs):
        numbers = set(part)  # each pair once, in any order
        pairs[index] = array("q")
        for number in numbers:
            a, b = profiles[number >> places], profiles[number & low]
            found = likeness(a, b)
            if found.score >= threshold:
                yield (a.id, b.id, found) if a.id < b.id else (b.id, a.id, found)
        done += len(part)
        if progress:
            progress(done, total)
