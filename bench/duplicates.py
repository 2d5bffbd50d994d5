"""How well the duplicate finder tells one customer typed twice from two customers.

Usage: .venv/bin/python bench/duplicates.py [--customers 20000] [--duplicates 2000] [--seed 1]
       [--show 10]
       .venv/bin/python bench/duplicates.py --db PATH [--checks 300]

Builds a labelled set: CUSTOMERS customers, of which DUPLICATES are a second record of
another with the variations people and systems make (typos, nicknames, first and last name
swapped, LLC / Inc / Co. / The, St / Street, a work and a personal email, missing fields,
phone formats, license punctuation and a transposed digit), among hard negatives (family
members sharing an address and a phone, namesakes in other cities, a chain's locations each
with its own license). Each record goes through the product's own normalisers, as it would
when written. Then runs the product's finder (patronage.duplicates) over them and prints the
precision and recall of its candidate list at the default threshold, what blocking compared,
and the time; --show prints missed and wrong pairs.

With --db (a SQLite file, e.g. the million-customer demo): the check on a single write,
timed: for CHECKS customers drawn at random,
a second record of each (a nickname or a typo in the name, another email) checked as a
draft (kept.check: what POST /api/v1/duplicates:check does), and each customer's keys and
pairs filed again (kept.refresh: what adding or changing a customer by hand adds to its
write), rolled back; p50 and p95 of each, beside the bare SQL of one key's index read.
"""

from __future__ import annotations

import argparse
import random
import string
import time
from typing import Any

from nicknames import NickNamer

from patronage.demo import data
from patronage.duplicates import finding
from patronage.duplicates.likeness import THRESHOLD, profile
from patronage.types import license_key, normalize_phone

DOMAINS = data.EMAIL_DOMAINS
SUFFIXES = ["LLC", "Inc", "Inc.", "Co.", "Corp", "L.L.C.", "Company", "Ltd"]
STREET_LONG = {"St": "Street", "Ave": "Avenue", "Rd": "Road", "Blvd": "Boulevard",
               "Dr": "Drive", "Way": "Way", "Broadway": "Broadway"}
NICK = NickNamer()


def _phone(rng: random.Random, area: str) -> str:
    return f"+1{area}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"


def _typed_phone(rng: random.Random, e164: str) -> str:
    """One number as people type it: the product stores the same E.164 for each."""
    a, b, c = e164[2:5], e164[5:8], e164[8:]
    return rng.choice([f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", f"1-{a}-{b}-{c}",
                       f"{a}{b}{c}"])


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:  # two letters swapped
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:  # a letter dropped
        return word[:i] + word[i + 1:]
    if kind == 2:  # a letter doubled
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1:]  # one replaced


def _place(rng: random.Random) -> dict[str, Any]:
    city, state, prefix, areas = rng.choice(data.PLACES)
    street = f"{rng.randint(1, 9999)} {rng.choice(data.STREETS)}"
    return {"address1": street, "city": city, "state": state,
            "zip": f"{prefix}{rng.randint(0, 99):02d}", "phone": _phone(rng, rng.choice(areas))}


def _license(rng: random.Random) -> str:
    return f"C{rng.randint(9, 12)}-{rng.randint(0, 9999999):07d}-LIC"


def person(rng: random.Random, n: int) -> dict[str, Any]:
    first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
    domain = rng.choice(DOMAINS)
    email = rng.choice([f"{first}.{last}{n}", f"{first[0]}{last}{n}", f"{first}{n}"])
    return {"type": rng.choice(["registered", "guest"]), "first_name": first,
            "last_name": last, "email": f"{email.lower()}@{domain}", **_place(rng)}


def business(rng: random.Random, n: int) -> dict[str, Any]:
    name = f"{rng.choice(data.COMPANY_HEADS)} {rng.choice(data.COMPANY_TAILS)}"
    if rng.random() < 0.4:
        name += " " + rng.choice(SUFFIXES)
    site = "".join(c for c in name.lower() if c.isalnum())[:20] + f"{n}.com"
    contact = rng.choice(data.FIRST_NAMES)
    return {"type": "business", "company_name": name, "license_number": _license(rng),
            "first_name": contact, "last_name": rng.choice(data.LAST_NAMES),
            "email": rng.choice(["info", "orders", contact.lower()]) + "@" + site,
            **_place(rng)}


def _names_of(first: str) -> set[str]:
    return NICK.canonicals_of(first.lower()) | {first.lower()}


def _other_first(rng: random.Random, taken: set[str]) -> str:
    """A first name that is none of ``taken`` nor a nickname of one."""
    while True:
        other = rng.choice(data.FIRST_NAMES)
        if not any(_names_of(other) & _names_of(name) for name in taken):
            return other


def family(rng: random.Random, of: dict[str, Any], n: int,
           household: set[str]) -> dict[str, Any]:
    """Someone else at the same address with the same home phone (household: the first
    names already there)."""
    first = _other_first(rng, household)
    household.add(first)
    email = f"{first.lower()}.{of['last_name'].lower()}{n}@{rng.choice(DOMAINS)}"
    return {**of, "first_name": first, "email": email if rng.random() < 0.7 else None}


def namesake(rng: random.Random, of: dict[str, Any], n: int) -> dict[str, Any]:
    """The same name, another person in another city."""
    return {**person(rng, n), "first_name": of["first_name"], "last_name": of["last_name"]}


def location(rng: random.Random, of: dict[str, Any], n: int) -> dict[str, Any]:
    """Another location of a chain: its own license and address, maybe the head office's
    phone and email domain."""
    other = {**of, **_place(rng), "license_number": _license(rng)}
    if rng.random() < 0.5:
        other["phone"] = of["phone"]
    other["email"] = f"store{n}@" + of["email"].split("@")[1]
    return other


def _vary_name(rng: random.Random, dup: dict[str, Any]) -> str:
    if dup["type"] == "business":
        name = dup["company_name"]
        for suffix in SUFFIXES:
            name = name.removesuffix(" " + suffix)
        choice = rng.randrange(4)
        if choice == 0:
            return f"{name} {rng.choice(SUFFIXES)}"
        if choice == 1:
            return f"The {name}"
        if choice == 2:
            words = name.split()
            i = rng.randrange(len(words))
            words[i] = _typo(rng, words[i])
            return " ".join(words)
        return name.upper() if rng.random() < 0.5 else name
    choice = rng.randrange(4)
    first = dup["first_name"]
    if choice == 0 and (nicks := sorted(NICK.nicknames_of(first.lower()))):
        dup["first_name"] = rng.choice(nicks).title()
    elif choice == 1:
        dup["first_name"], dup["last_name"] = dup["last_name"], dup["first_name"]
    elif choice == 2:
        dup["last_name"] = _typo(rng, dup["last_name"])
    else:
        dup["first_name"] = _typo(rng, first)
    return ""


def duplicate(rng: random.Random, of: dict[str, Any]) -> dict[str, Any]:
    """A second record of ``of``, with one to three variations."""
    dup = dict(of)
    variations = rng.sample(["name", "street", "email", "missing", "phone", "license",
                             "unit", "initial"], rng.randint(1, 4))
    for variation in variations:
        if variation == "name":
            if name := _vary_name(rng, dup):
                dup["company_name"] = name
        elif variation == "street" and dup.get("address1"):
            number, rest = dup["address1"].split(" ", 1)
            words = rest.split(" ")
            words[-1] = {**STREET_LONG, **{v: k for k, v in STREET_LONG.items()}}.get(
                words[-1], words[-1])
            dup["address1"] = f"{number} {' '.join(words)}"
        elif variation == "email":  # a work address and a personal one
            if dup["type"] == "business":
                dup["email"] = f"{(dup.get('first_name') or 'owner').lower()}" \
                               f"{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"
            else:
                last = dup["last_name"].lower()
                firm = f"{last}-{rng.choice(['law', 'llp', 'co'])}.com"
                dup["email"] = f"{dup['first_name'][0].lower()}{last}{rng.randint(1, 999)}@{firm}"
        elif variation == "missing":  # one or two of its contact fields left out
            for gone in rng.sample(["email", "phone", "address", "zip", "license_number"],
                                   rng.randint(1, 2)):
                if gone == "address":
                    dup["address1"] = dup["zip"] = dup["city"] = None
                else:
                    dup[gone] = None
        elif variation == "unit" and dup.get("address1"):
            dup["address1"] += rng.choice([" Apt 4", " #12", " Suite 200", ", Unit B"])
        elif variation == "initial" and dup.get("first_name") and dup["type"] != "business":
            dup["first_name"] = dup["first_name"][0] + rng.choice([".", ""])
        elif variation == "license" and dup.get("license_number"):
            key = dup["license_number"]
            if rng.random() < 0.5:  # punctuation and case
                dup["license_number"] = key.replace("-", " ").lower()
            else:  # two digits swapped
                digits = [i for i, c in enumerate(key) if c.isdigit()]
                i = rng.choice([i for i in digits[:-1] if i + 1 in digits
                                and key[i] != key[i + 1]] or [digits[0]])
                if i + 1 < len(key):
                    dup["license_number"] = key[:i] + key[i + 1] + key[i] + key[i + 2:]
    if dup.get("phone") and rng.random() < 0.5:
        dup["phone_typed"] = _typed_phone(rng, dup["phone"])
    return dup


def stored(values: dict[str, Any]) -> dict[str, Any]:
    """A record as the product stores it (phone E.164, license key, lower-case email)."""
    out = dict(values)
    if out.get("phone"):
        out["phone"] = normalize_phone(out.pop("phone_typed", None) or out["phone"])
    if out.get("license_number"):
        out["license_key"] = license_key(out["license_number"])
    if out.get("email"):
        out["email"] = out["email"].lower()
    return out


def labelled(customers: int, duplicates: int, seed: int
             ) -> tuple[list[dict[str, Any]], set[tuple[int, int]]]:
    """CUSTOMERS records, their ids from 1, and the pairs that are one customer."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    households: dict[str, set[str]] = {}  # the first names at each address
    originals = customers - duplicates
    while len(records) < originals:
        n = len(records)
        roll = rng.random()
        of = rng.choice(records) if records else {"type": "business"}
        if roll < 0.08 and of["type"] != "business":
            household = households.setdefault(of["address1"] + of["zip"], {of["first_name"]})
            records.append(family(rng, of, n, household))
        elif roll < 0.13 and of["type"] != "business":
            records.append(namesake(rng, of, n))
        elif roll < 0.16 and of["type"] == "business" and of.get("license_number"):
            records.append(location(rng, of, n))
        else:
            records.append(business(rng, n) if rng.random() < 0.33 else person(rng, n))
    pairs = set()
    for source in rng.sample(range(originals), duplicates):
        records.append(duplicate(rng, records[source]))
        pairs.add((source + 1, len(records)))
    return [{"id": i, **stored(r)} for i, r in enumerate(records, 1)], pairs


def checks(db: str, count: int, seed: int) -> None:
    import sqlite3

    from sqlalchemy import create_engine

    from patronage.duplicates import kept

    rng = random.Random(seed)
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        tenant = conn.exec_driver_sql("SELECT id FROM tenants WHERE slug = 'demo'").scalar()
        top = conn.exec_driver_sql("SELECT max(id) FROM customers WHERE tenant_id = ?",
                                   (tenant,)).scalar()
        columns = ("id, type, company_name, first_name, last_name, email, phone, license_key,"
                   " external_id, address1, zip, city")
        drawn = []
        while len(drawn) < count:
            row = conn.exec_driver_sql(f"SELECT {columns} FROM customers WHERE tenant_id = ? "
                                       "AND id >= ? ORDER BY id LIMIT 1",
                                       (tenant, rng.randint(1, top))).mappings().first()
            if row:
                drawn.append(dict(row))
        found, timed_check, timed_refresh = 0, [], []
        for row in drawn:
            draft = dict(row, email=f"other{rng.randint(1, 10**6)}@mail.example")
            if draft["first_name"] and (nicks := sorted(NICK.nicknames_of(
                    draft["first_name"].lower()))):
                draft["first_name"] = rng.choice(nicks).title()
            elif draft["company_name"]:
                draft["company_name"] = _typo(rng, draft["company_name"])
            started = time.perf_counter()
            candidates = kept.check(conn, tenant, draft)
            timed_check.append((time.perf_counter() - started) * 1000)
            found += any(c.id == row["id"] for c in candidates)
            started = time.perf_counter()
            kept.refresh(conn, tenant, [row["id"]])
            timed_refresh.append((time.perf_counter() - started) * 1000)
            conn.rollback()
    raw = sqlite3.connect(db)
    timed_raw = []
    for row in drawn:
        started = time.perf_counter()
        raw.execute("SELECT id FROM customers WHERE tenant_id = ? AND phone = ? LIMIT 51",
                    (tenant, row["phone"])).fetchall()
        timed_raw.append((time.perf_counter() - started) * 1000)

    def p(samples: list[float]) -> str:
        ordered = sorted(samples)
        return f"p50 {ordered[len(ordered) // 2]:.2f} ms, p95 " \
               f"{ordered[max(0, int(len(ordered) * 0.95) - 1)]:.2f} ms"
    print(f"{count} checks on {db}: the customer found {found} times")
    print(f"  check a draft (kept.check): {p(timed_check)}")
    print(f"  a written customer's pairs found and kept (kept.refresh): {p(timed_refresh)}")
    print(f"  bare SQL, one identifying key's index read (phone): {p(timed_raw)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--duplicates", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=0)
    parser.add_argument("--db", help="Time the write check on this SQLite file instead.")
    parser.add_argument("--checks", type=int, default=300)
    args = parser.parse_args()
    if args.db:
        checks(args.db, args.checks, args.seed)
        return
    records, truth = labelled(args.customers, args.duplicates, args.seed)
    started = time.perf_counter()
    profiles = [profile(r) for r in records]
    found = {(a, b): likeness for a, b, likeness in finding.scan(profiles, threshold=0.0)}
    seconds = time.perf_counter() - started
    listed = {pair for pair, likeness in found.items() if likeness.score >= THRESHOLD}
    right = len(listed & truth)
    print(f"{len(records):,} customers, {len(truth):,} planted duplicates (seed {args.seed})")
    print(f"candidates at the default threshold ({THRESHOLD}): {len(listed):,}; "
          f"precision {right / max(1, len(listed)):.4f}, recall {right / len(truth):.4f}")
    print(f"found in {seconds:.2f} s ({seconds / len(records) * 1e6:,.0f} µs a customer)")
    if args.show:
        by_id = {r["id"]: r for r in records}
        for title, shown in (("missed", truth - listed), ("wrong", listed - truth)):
            print(f"--- {title} ({len(shown)})")
            for a, b in sorted(shown)[:args.show]:
                likeness = found.get((a, b))
                print(f"{a}-{b} {likeness}")
                for i in (a, b):
                    r = by_id[i]
                    print("   ", {k: v for k, v in r.items() if v and k in (
                        "type", "company_name", "first_name", "last_name", "email", "phone",
                        "license_key", "address1", "zip", "city")})


if __name__ == "__main__":
    main()
