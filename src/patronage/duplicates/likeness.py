"""How alike two customers are: the keys that put possible duplicates side by side (so a
million customers are never compared all pairs), and the score of a pair with the signals
that explain it.

The score is a Fellegi–Sunter match weight: each comparison adds the log2 of how much more
often its outcome is seen between two records of one customer than between two different
customers (the weights below are set by hand from that reading, as splink's documentation
describes, and checked against bench/duplicates.py's labelled set), and the sum becomes a
probability."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from sys import intern
from typing import Any

import jellyfish
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

from patronage.duplicates.names import company_words, first_names, plain, street_words

# A pair whose match weight is PRIOR or more is more likely one customer than two: its
# score (the probability) is 0.5 or more. The candidate list shows pairs from THRESHOLD.
PRIOR = 8.0
THRESHOLD = 0.5
# A blocking key shared by more customers than this (a chain's head-office phone, a city's
# commonest name) brings no candidates of its own: the pair needs another key in common.
MAX_BLOCK = 50
# Mailboxes that name a role, not a person: the same one at two domains means nothing.
ROLE_MAILBOXES = frozenset({
    "info", "sales", "contact", "admin", "office", "orders", "order", "hello", "support",
    "billing", "accounts", "accounting", "team", "mail", "service", "noreply", "no-reply",
    "help", "store", "shop", "manager", "purchasing", "ap", "hr", "marketing", "web"})


@dataclass(frozen=True, slots=True)
class Profile:
    """What the duplicate check compares of one customer, normalised once."""

    id: int
    business: bool
    company: str  # the company's telling words, in order
    first: str
    last: str
    email: str | None
    phone: str | None
    license: str | None
    external_id: str | None
    street: str
    zip5: str | None
    city: str


def mailbox(email: str | None) -> str | None:
    """The person an email names: its local part without dots or +tags; None for a role's
    (info@, sales@) or a very short one."""
    if not email:
        return None
    local = email.split("@", 1)[0].split("+", 1)[0].replace(".", "")
    return None if local in ROLE_MAILBOXES or len(local) < 4 else local


def profile(values: Mapping[str, Any]) -> Profile:
    """The profile of a customer's stored values (a row or a dict of its fields)."""
    email = (values.get("email") or "").lower() or None
    zip5 = plain(values.get("zip")).replace(" ", "")[:5]
    # Names, cities and zips repeat across a workspace: one string each (a scan holds a
    # million profiles).
    return Profile(
        id=values.get("id") or 0, business=values.get("type") == "business",
        company=intern(" ".join(company_words(values.get("company_name") or ""))),
        first=intern(plain(values.get("first_name"))),
        last=intern(plain(values.get("last_name"))),
        email=email,
        phone=values.get("phone") or None, license=values.get("license_key") or None,
        external_id=values.get("external_id") or None,
        street=" ".join(street_words(values.get("address1") or "")),
        zip5=intern(zip5) or None, city=intern(plain(values.get("city"))))


@lru_cache(maxsize=65_536)
def _sound(word: str) -> str:
    return jellyfish.metaphone(word) if word else ""


def blocking_keys(p: Profile) -> set[str]:
    """The keys under which ``p`` is compared with every other customer holding the same:
    license (and its characters in order, for a transposed digit), external id, email,
    mailbox, phone, name (each nickname equivalent, first and last in either order) and the
    name's sound within a region, and zip with street number."""
    keys: set[str] = set()
    if p.license:
        keys.update(("k" + p.license, "K" + "".join(sorted(p.license))))
    if p.external_id:
        keys.add("x" + p.external_id)
    if p.email:
        keys.add("e" + p.email)
    if person := mailbox(p.email):
        keys.add("m" + person)
    if p.phone:
        keys.add("p" + p.phone)
    # A name is common across a country and rare within a region: names are blocked
    # within the zip's region (its first three digits), else the city.
    where = "|" + (p.zip5[:3] if p.zip5 else p.city)
    if p.company:
        words = p.company.split()
        keys.add("n" + " ".join(sorted(words)) + where)
        keys.add("s" + " ".join(sorted(_sound(w) for w in words)) + where)
    if p.first or p.last:
        last = p.last.replace(" ", "")
        for first in first_names(p.first) or {""}:
            keys.add("n" + " ".join(sorted((first, last))) + where)
        sounds = sorted((_sound(p.first.replace(" ", "")), _sound(last)))
        keys.add("s" + " ".join(sounds) + where)
    if p.zip5 and p.street[:1].isdigit():
        keys.add("a" + p.zip5 + " " + p.street.split(" ", 1)[0])
    return keys


@dataclass(frozen=True, slots=True)
class Likeness:
    """A pair's score (0–1) and the signals behind it, strongest first."""

    score: float
    reasons: tuple[str, ...]


def _license(a: str, b: str) -> tuple[float, str | None]:
    if a == b:
        return 12, "same license number"
    if sorted(a) == sorted(b) and OSA.distance(a, b) == 1:
        return 7, "license numbers differ by two swapped characters"
    return -10, None  # two licenses: two licensed premises (a chain's locations)


def _person(a: Profile, b: Profile) -> tuple[float, str | None]:
    """First and last names, in either order (a sheet with the columns swapped)."""
    straight = _names(a.first, a.last, b.first, b.last)
    if not ((a.first and b.last and a.first[0] == b.last[0])
            or (a.last and b.first and a.last[0] == b.first[0])):
        return straight  # no swapped name starts alike: not worth comparing so
    # Swapped, each side's first name compared as a last name and the other way (the
    # lower of the two: the same answer whichever customer comes first).
    swapped = min(_names(a.first, a.last, b.last, b.first),
                  _names(b.first, b.last, a.last, a.first), key=lambda found: found[0])
    return max(straight, swapped, key=lambda found: found[0])


def _typo(a: str, b: str) -> bool:
    """Whether two spellings are one word mistyped: a letter swapped, dropped, doubled or
    replaced (Jaro–Winkler, the record-linkage measure for names)."""
    return OSA.distance(a, b) <= 1 or JaroWinkler.similarity(a, b) >= 0.9


def _names(first_a: str, last_a: str, first_b: str, last_b: str
           ) -> tuple[float, str | None]:
    weight, said = 0.0, []
    if first_a and first_b:
        if first_a == first_b:
            weight += 3
        elif first_names(first_a) & first_names(first_b):
            weight += 3
            said.append(f"{first_a.title()} and {first_b.title()} are one name")
        elif _typo(first_a, first_b):
            weight += 1.5
        elif len(first_a) == 1 or len(first_b) == 1:
            weight += 1 if first_a[0] == first_b[0] else -10
        else:
            weight -= 10  # two first names at one address: a family
    if last_a and last_b:
        if last_a == last_b:
            weight += 4
        elif _typo(last_a, last_b):
            weight += 2
        else:
            weight -= 6
    if weight <= 0:
        return weight, None
    first_same = first_a == first_b and last_a == last_b
    return weight, said[0] if said else ("same name" if first_same else "names alike")


def _company(a: str, b: str) -> tuple[float, str | None]:
    alike = fuzz.token_sort_ratio(a, b)
    if alike >= 95:
        return 6, "same company name" if a == b else f"company names {alike:.0f} % alike"
    if alike >= 88:
        return 4, f"company names {alike:.0f} % alike"
    if alike >= 75:
        return 1, None
    return (-6 if alike < 55 else -2), None


def _address(a: Profile, b: Profile) -> tuple[float, list[str]]:
    weight, said = 0.0, []
    if a.street and b.street:
        if a.street == b.street:
            weight += 4
            said.append("same street address")
        elif a.street.split(" ", 1)[0] == b.street.split(" ", 1)[0] and \
                fuzz.ratio(a.street, b.street) >= 85:
            weight += 3
            said.append("street addresses alike")
        else:
            weight -= 2
    if a.zip5 and b.zip5:
        if a.zip5 == b.zip5:
            weight += 1.5
            if not said:
                said.append("same zip")
        else:
            weight -= 3
    elif a.city and b.city:
        weight += 1 if a.city == b.city else -2
    return weight, said


def likeness(a: Profile, b: Profile) -> Likeness:
    """How likely ``a`` and ``b`` are one customer, and why."""
    weight, reasons = 0.0, []

    def add(found: tuple[float, str | None]) -> None:
        nonlocal weight
        weight += found[0]
        if found[1]:
            reasons.append(found[1])

    if a.license and b.license:
        add(_license(a.license, b.license))
    if a.external_id and b.external_id:
        add((12, "same external id") if a.external_id == b.external_id else (-6, None))
    if a.email and b.email:
        if a.email == b.email:
            add((10, "same email"))
        elif (person := mailbox(a.email)) and person == mailbox(b.email):
            add((5, "same email mailbox at another domain"))
        else:
            add((-2, None))
    if a.phone and b.phone:
        add((6, "same phone") if a.phone == b.phone else (-1, None))
    if a.company and b.company:
        add(_company(a.company, b.company))
    elif a.business != b.business:
        weight -= 1
    if (a.first or a.last) and (b.first or b.last) and not (a.company and b.company):
        add(_person(a, b))
    found, said = _address(a, b)
    weight += found
    reasons.extend(said)
    score = 1 / (1 + 2 ** (PRIOR - weight))
    return Likeness(round(score, 4), tuple(reasons))
