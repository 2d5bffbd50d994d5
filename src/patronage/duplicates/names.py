"""Names and addresses as a duplicate check compares them: the words that do not tell two
customers apart dropped (LLC, Inc, The), the ones written two ways written one way (St and
Street, & and and), and a first name's nickname equivalents (Bob, Robert) from the
`nicknames` package's table."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from nicknames import NickNamer

# Legal forms and fillers a business name is written with or without.
_LEGAL = frozenset({
    "the", "llc", "inc", "incorporated", "co", "corp", "corporation", "company", "ltd",
    "limited", "lp", "llp", "pllc", "pc", "pa", "plc", "gmbh", "dba", "and"})
# Business words and their short forms (the first spelling is kept).
_BUSINESS_WORDS = {"intl": "international", "bros": "brothers", "ctr": "center",
                   "centre": "center", "mfg": "manufacturing", "svc": "service",
                   "svcs": "services", "assoc": "associates", "dept": "department",
                   "mkt": "market", "grp": "group", "dist": "distribution", "n": "north",
                   "s": "south", "e": "east", "w": "west", "st": "saint", "mt": "mount"}
# USPS street suffixes and directions (Publication 28), in their standard short forms.
_STREET_WORDS = {
    "street": "st", "str": "st", "avenue": "ave", "av": "ave", "avn": "ave", "road": "rd",
    "boulevard": "blvd", "boul": "blvd", "drive": "dr", "drv": "dr", "lane": "ln",
    "court": "ct", "place": "pl", "parkway": "pkwy", "pky": "pkwy", "highway": "hwy",
    "circle": "cir", "terrace": "ter", "square": "sq", "trail": "trl", "way": "way",
    "suite": "ste", "apartment": "apt", "building": "bldg", "floor": "fl", "unit": "unit",
    "north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne",
    "northwest": "nw", "southeast": "se", "southwest": "sw", "first": "1st", "second": "2nd",
    "third": "3rd", "fourth": "4th", "fifth": "5th", "number": "#", "no": "#"}
_WORD = re.compile(r"[a-z0-9]+")
_NICKNAMES = NickNamer()


def plain(text: str | None) -> str:
    """Lower case, accents and punctuation gone, one space between words."""
    if not text:
        return ""
    joined = text.replace(".", "").replace("'", "").replace("\u2019", "")  # L.L.C., Joe's
    folded = unicodedata.normalize("NFKD", joined.replace("&", " and ")).lower()
    return " ".join(_WORD.findall(folded.encode("ascii", "ignore").decode()))


@lru_cache(maxsize=65_536)  # a workspace's company names repeat (chains, suffixes)
def company_words(company: str) -> tuple[str, ...]:
    """A company name's telling words: "The Green Leaf Dispensary, LLC" and "Green Leaf
    Dispensary" are the same three."""
    words = [_BUSINESS_WORDS.get(w, w) for w in plain(company).split()]
    kept = tuple(w for w in words if w not in _LEGAL)
    return kept or tuple(words)


def street_words(address: str) -> tuple[str, ...]:
    """An address line in USPS short forms: "12 North Main Street" is "12 n main st"."""
    return tuple(_STREET_WORDS.get(w, w) for w in plain(address).split())


@lru_cache(maxsize=65_536)
def first_names(first: str) -> frozenset[str]:
    """A first name and the formal names it is a nickname of (bob: bob, robert, bobby,
    bert)."""
    name = plain(first).split(" ")[0]
    if not name:
        return frozenset()
    return frozenset({name, *_NICKNAMES.canonicals_of(name)})


def same_first_name(a: str, b: str) -> bool:
    """Whether two first names can be one person's (equal, or nickname equivalents)."""
    names_a, names_b = first_names(a), first_names(b)
    return bool(names_a & names_b)


# How a company's legal form is commonly written after its name.
_FORMS = ("llc", "inc", "inc.", "co", "co.", "corp", "corp.", "corporation", "company", "ltd",
          "ltd.", "l.l.c.", "lp", "llp", "pllc")


def company_spellings(company: str) -> set[str]:
    """The lower-cased ways one company's name is commonly stored: as typed, without
    punctuation, its telling words alone, with "the" before them, with a legal form after
    them (with or without a comma). "Green Leaf Dispensary, LLC" and "The Green Leaf
    Dispensary" share "green leaf dispensary"."""
    core = " ".join(company_words(company))
    found = {company.lower().strip(), plain(company), core, f"the {core}"}
    for form in _FORMS:
        found.update((f"{core} {form}", f"{core}, {form}", f"the {core} {form}"))
    return found - {""}


def person_spellings(first: str, last: str) -> set[str]:
    """The lower-cased ways one person's "first last" name is stored: each first name it
    may be written with (Bob, Robert), first and last in either order, as typed and without
    punctuation."""
    lasts = {last.lower().strip(), plain(last)} - {""}
    firsts = ({first.lower().strip(), *first_names(first)} if first else set()) - {""}
    found = set()
    for one in lasts:
        for other in firsts:
            found.update((f"{other} {one}", f"{one} {other}"))
    return found
