"""The quick paths of normalize_email / normalize_phone against the libraries, at scale.

Usage: .venv/bin/python bench/validators.py [--count 2000000] [--seed 1]

Generates COUNT addresses and COUNT phone numbers — real-world shapes (names, common and
company domains, the ways people type North American and other numbers) and mutations of
them (a character added, dropped or swapped; case; padding; long parts) — and checks, on
every core, that Patronage's normalisers answer exactly as email-validator and phonenumbers
(the same value, or a refusal where they refuse). Prints the mismatches (any is a bug),
how many inputs took the quick path, and the time per input of each.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import string
import time

FIRST = ["ana", "ben", "Cara", "dev", "ELI", "fay", "gus", "hana", "o'neil", "jean-luc", "zoë",
         "li", "x"]
LAST = ["silva", "okafor", "Nguyen", "berg", "costa", "haddad", "ito", "kowal", "mora"]
DOMAINS = ["gmail.com", "Yahoo.com", "outlook.com", "mail.example", "greenleaf.co",
           "sub.domain.org", "xn--bcher-kva.de", "example.test", "localhost", "x.arpa",
           "shop.io", "a-b.c0m", "1.2.3.4", "co.uk", "k" * 63 + ".com", "bücher.de"]
REGIONS = ["US", "US", "US", "CA", "PR", "GB", "DE", "MX"]
NOISE = string.ascii_letters + string.digits + ".-_+@()\"' <>,;:[]\\é#/%"


def _mutate(rng: random.Random, text: str) -> str:
    if not text or rng.random() < 0.6:
        return text
    i = rng.randrange(len(text))
    choice = rng.random()
    if choice < 0.33:
        return text[:i] + rng.choice(NOISE) + text[i:]
    if choice < 0.66:
        return text[:i] + text[i + 1:]
    return text[:i] + text[i:].swapcase()


def email(rng: random.Random) -> str:
    local = rng.choice([
        f"{rng.choice(FIRST)}.{rng.choice(LAST)}{rng.randrange(10_000)}",
        f"{rng.choice(FIRST)}{rng.choice(['', '+shop', '_b', '..x'])}",
        rng.choice(["info", "Sales", "postmaster", "a" * rng.randrange(55, 70)])])
    raw = f"{local}@{rng.choice(DOMAINS)}"
    return rng.choice(["", " "]) + _mutate(rng, raw) + rng.choice(["", " ", "\t"])


def phone(rng: random.Random) -> tuple[str, str]:
    area = rng.choice([f"{rng.randrange(200, 1000)}", f"{rng.randrange(0, 200):03d}"])
    exchange, line = f"{rng.randrange(1000):03d}", f"{rng.randrange(10_000):04d}"
    raw = rng.choice([
        f"({area}) {exchange}-{line}", f"{area}.{exchange}.{line}", f"{area}{exchange}{line}",
        f"+1 {area} {exchange} {line}", f"1-{area}-{exchange}-{line}",
        f"+44 20 {exchange}{line[:2]} {line[2:]}", f"0{area[1:]} {exchange}{line}",
        f"({area}) {exchange}-{line} x{rng.randrange(100)}", f"+49 30 {exchange}{line}"])
    return _mutate(rng, raw), rng.choice(REGIONS)


def _ours(normalise, *args) -> str | None:  # type: ignore[no-untyped-def]
    from pydantic_core import PydanticCustomError
    try:
        return normalise(*args)
    except PydanticCustomError:
        return None


def compare(job: tuple[int, int]) -> dict[str, object]:
    from patronage import types

    seed, count = job
    rng = random.Random(seed)
    emails = [email(rng) for _ in range(count)]
    phones = [phone(rng) for _ in range(count)]
    out: dict[str, object] = {"mismatches": [], "quick_email": 0, "quick_phone": 0}
    started = time.perf_counter()
    theirs_e = [_ours(types.email_by_library, raw.strip()) for raw in emails]
    theirs_p = [_ours(types.phone_by_library, raw.strip(), region) for raw, region in phones]
    out["library_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    ours_e, ours_p = [], []
    for raw in emails:
        types.normalize_email.cache_clear()  # every input decided afresh, not remembered
        ours_e.append(_ours(types.normalize_email, raw))
    for raw, region in phones:
        types.normalize_phone.cache_clear()
        ours_p.append(_ours(types.normalize_phone, raw, region))
    out["our_seconds"] = time.perf_counter() - started
    mismatches: list = out["mismatches"]  # type: ignore[assignment]
    for raw, mine, theirs in zip(emails, ours_e, theirs_e, strict=True):
        out["quick_email"] += types._quick_email(raw.strip()) is not None  # type: ignore[operator]
        if mine != theirs:
            mismatches.append(("email", raw, mine, theirs))
    for (raw, region), mine, theirs in zip(phones, ours_p, theirs_p, strict=True):
        out["quick_phone"] += types._quick_phone(raw.strip(), region) is not None  # type: ignore[operator]
        if mine != theirs:
            mismatches.append(("phone", raw, region, mine, theirs))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    step = 50_000
    jobs = [(args.seed * 1_000_003 + i, min(step, args.count - i))
            for i in range(0, args.count, step)]
    started = time.perf_counter()
    with multiprocessing.Pool(os.cpu_count() or 2) as pool:
        results = pool.map(compare, jobs)
    mismatches = [m for r in results for m in r["mismatches"]]  # type: ignore[attr-defined]
    library = sum(r["library_seconds"] for r in results)  # type: ignore[misc]
    ours = sum(r["our_seconds"] for r in results)  # type: ignore[misc]
    quick_e = sum(r["quick_email"] for r in results)  # type: ignore[misc]
    quick_p = sum(r["quick_phone"] for r in results)  # type: ignore[misc]
    print(f"{args.count:,} addresses and {args.count:,} phone numbers compared in "
          f"{time.perf_counter() - started:.0f}s")
    print(f"quick path taken: {quick_e / args.count:.0%} of addresses, "
          f"{quick_p / args.count:.0%} of numbers")
    print(f"per address + number: libraries {library / args.count * 1e6:.1f} µs, "
          f"Patronage {ours / args.count * 1e6:.1f} µs")
    print(f"mismatches: {len(mismatches)}")
    for mismatch in mismatches[:20]:
        print("  ", mismatch)
    raise SystemExit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
