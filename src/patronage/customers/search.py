"""The search box: one query over names, email, phone, license number and external id.

Substring and case-insensitive through a trigram index (SQLite FTS5 ``trigram``, PostgreSQL
``pg_trgm``); phone digits match however they were typed; license numbers in any spelling.
Ranked without sorting every match: exact hits, then name-prefix hits (both from B-tree
indexes), then the other substring hits newest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticCustomError
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import replacement_traverse

from patronage.customers.models import Customer
from patronage.db import among_ids
from patronage.tenancy.row_security import SEARCH_FUNCTION
from patronage.types import MAX_INT, email_key

MIN_TERM = 3  # trigram indexes cannot look up shorter fragments
PRIORITY_CAP = 100  # exact + prefix hits ranked first; the rest follow in id order
_PHONE_LIKE = re.compile(r"^[\d\s().+\-/]+$")
_NOT_KEY = re.compile(r"[^a-z0-9]")
_AN_ID = re.compile(r"#?\s*(\d{1,10})")  # "#501" or "501": customer 501, if there is one

# The text the PostgreSQL trigram GIN index covers (migration 0002 builds the same text).
POSTGRES_DOCUMENT = (
    "lower(coalesce(company_name, '') || ' ' || coalesce(first_name, '') || ' ' || "
    "coalesce(last_name, '') || ' ' || coalesce(email, '') || ' ' || "
    "replace(coalesce(phone, ''), '+', '') || ' ' || coalesce(license_number, '') || ' ' || "
    "coalesce(license_key, '') || ' ' || coalesce(external_id, ''))")


@dataclass(frozen=True)
class Terms:
    """A parsed query: every group must match; a group matches if any variant does."""

    raw: str
    groups: tuple[tuple[str, ...], ...]
    short: tuple[str, ...] = ()  # words under 3 characters: checked on the candidates only

    @property
    def searchable(self) -> bool:
        return bool(self.groups)


def parse(q: str) -> Terms:
    q = " ".join(q.split())
    digits = re.sub(r"\D", "", q)
    if _PHONE_LIKE.match(q) and len(digits) >= MIN_TERM:
        # "(415) 555", "555-01", "415555": the digits, wherever they were typed.
        return Terms(q, ((digits,),))
    groups, short = [], []
    for token in q.lower().split(" "):
        variants = {token}
        key = _NOT_KEY.sub("", token)
        if key != token:
            variants.add(key)  # license numbers in any spelling: letters and digits only
        kept = tuple(sorted(v for v in variants if len(v) >= MIN_TERM))
        if kept:
            groups.append(kept)
        elif token:
            short.append(token)
    return Terms(q, tuple(groups), tuple(short))


# The same text with qualified columns, usable next to the FTS5 table (which has an `email`).
_QUALIFIED_DOCUMENT = re.sub(r"coalesce\((\w+),", r"coalesce(customers.\1,", POSTGRES_DOCUMENT)


def _short_words(terms: Terms) -> list[ColumnElement[bool]]:
    """Words too short for the trigram index must still appear (checked per candidate)."""
    document = literal_column(_QUALIFIED_DOCUMENT)
    return [document.like(f"%{_escape_like(w)}%", escape="\\") for w in terms.short]


_FTS = table("customer_search", column("rowid"))


def _fts_expression(terms: Terms) -> str:
    return " AND ".join("(" + " OR ".join(_fts_phrase(v) for v in group) + ")"
                        for group in terms.groups)


def newest_matches(terms: Terms, where: list[ColumnElement[bool]], dialect: str,
                   before_id: int | None = None,
                   matching: ColumnElement[bool] | None = None) -> Select[tuple[int]]:
    """Matching customer ids, newest first, read straight off the trigram index.

    On SQLite the FTS5 table drives: it yields rowids in descending order and the join stops
    as soon as the LIMIT is met, instead of collecting every match and sorting them. On
    PostgreSQL ``matching`` is ``match_ids`` as ``settle`` left it (by default, unsettled).
    """
    if dialect == "sqlite":
        query = (select(Customer.id)
                 .select_from(_FTS.join(Customer, Customer.id == _FTS.c.rowid))
                 .where(text("customer_search MATCH :fts_all").bindparams(
                     fts_all=_fts_expression(terms)), *where, *_short_words(terms))
                 .order_by(_FTS.c.rowid.desc()))
        if before_id is not None:
            query = query.where(_FTS.c.rowid < before_id)
        return query
    query = select(Customer.id).where(
        *where, match_ids(terms, dialect) if matching is None else matching)
    if before_id is not None:
        query = query.where(Customer.id < before_id)
    return query.order_by(Customer.id.desc())


def reads_index(query: Select[Any]) -> bool:
    """``query`` selects the search index's matches (as ``column_contains`` and
    ``match_ids`` build them on SQLite)."""
    return query.selected_columns[0] is _FTS.c.rowid


def in_index_order(matches: Select[Any], where: list[ColumnElement[bool]],
                   descending: bool, after_id: int | None) -> Select[tuple[int, int]]:
    """(id, id) of the customers among ``matches`` and ``where``, read in id order off the
    search index itself (FTS5 yields rowids in order and the LIMIT stops it), instead of
    listing every match first; after ``after_id`` (a cursor) if given."""
    rowid = _FTS.c.rowid
    query = (select(Customer.id, Customer.id)
             .select_from(_FTS.join(Customer, Customer.id == rowid))
             .where(matches.whereclause, *where)
             .order_by(rowid.desc() if descending else rowid.asc()))
    if after_id is not None:
        query = query.where(rowid < after_id if descending else rowid > after_id)
    return query


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def match_ids(terms: Terms, dialect: str) -> ColumnElement[bool]:
    """``customers.id`` is among the substring matches."""
    if dialect == "sqlite":
        matches = select(_FTS.c.rowid).where(
            text("customer_search MATCH :fts").bindparams(fts=_fts_expression(terms)))
        return and_(Customer.id.in_(matches), *_short_words(terms))
    return and_(_indexed(terms.groups), *_short_words(terms))


Groups = tuple[tuple[str, ...], ...]
_GROUPS = "search_groups"  # what an indexed condition looks for (see settle)
# More matches than this, and a search condition is checked on the customers a page walks
# (newest first, or in the sort's order) instead of listing every match through the index.
WALK_ABOVE = 2_000


def _function(groups: Groups, max_rows: int | None = None, within: str | None = None) -> Any:
    patterns = ["\n".join(f"%{_escape_like(v)}%" for v in group) for group in groups]
    return getattr(func, SEARCH_FUNCTION)(bindparam(None, patterns, type_=ARRAY(Text)),
                                          bindparam(None, max_rows, type_=Integer),
                                          bindparam(None, within, type_=Text))


def _indexed(groups: Groups, within: str | None = None) -> ColumnElement[bool]:
    """PostgreSQL: ``customers.id`` is among the ids whose document holds every group (any
    of its variants), and the column ``within`` too if named, found through the trigram
    index by the search function (tenancy.row_security.SEARCH_FUNCTION: a LIKE beside a
    row-level security policy cannot use the index)."""
    found = select(_function(groups, within=within).column_valued("id"))
    return Customer.id.in_(found)._annotate({_GROUPS: (groups, within)})


def _walked(groups: Groups) -> ColumnElement[bool]:
    """The same test on each customer read (the document's LIKE, which no index answers
    beside a policy): for a fragment so common that a page finds its rows within a few
    thousand customers."""
    document = literal_column(_QUALIFIED_DOCUMENT)
    return and_(*(or_(*(document.like(f"%{_escape_like(v)}%", escape="\\") for v in group))
                  for group in groups))


def matching_ids(session: Session, groups: Groups, within: str | None = None
                 ) -> list[int] | None:
    """Every matching id, or None when more than WALK_ABOVE match (the index lists at most
    one more): in the column a filter names, not only the document ("gold" is in 13,000
    company names and no email: a walk for emails with it would read the whole workspace).
    The list stands in for the index in the page's and the count's queries (each asking
    the index again cost as much as this)."""
    capped = _function(groups, WALK_ABOVE + 1, within).column_valued("id")
    ids = list(session.scalars(select(capped)))
    return None if len(ids) > WALK_ABOVE else ids


def settle(session: Session, where: list[ColumnElement[bool]]
           ) -> tuple[list[ColumnElement[bool]], bool]:
    """On PostgreSQL, each indexed search condition among ``where`` with many matches
    becomes its walked form: listing 100,000 matches of "son" through the index to keep
    a page of 50 cost ~300 ms; the page's own walk finds them within ~1,000 customers.
    Whether one was walked (more than WALK_ABOVE matches: not worth counting)."""
    if session.get_bind().dialect.name != "postgresql":
        return where, False
    walked = False

    def swap(element: Any) -> Any:
        nonlocal walked
        found = getattr(element, "_annotations", {}).get(_GROUPS)
        if found is None:
            return None
        ids = matching_ids(session, *found)
        if ids is not None:
            return among_ids(Customer.id, ids)
        walked = True
        groups, within = found
        # A filter's own column is checked beside it (column_contains), and a match there
        # is a match in the document: only that check is walked. The document's LIKE as
        # well made the planner expect one match in a million and read them all (270 ms
        # for an email fragment sorted by last order); the email's own estimate (its
        # index's statistics, migration 0027) lets it walk the sort's index (~25 ms).
        return true() if within is not None else _walked(groups)
    return [replacement_traverse(c, {}, swap) for c in where], walked


# The text each search column holds, as SQL over customers (the FTS5 columns of migration 0002).
# Qualified: a query that joins the search index (search, and a filter read off it) has
# columns named email and phone on both sides.
_COLUMN_TEXT = {
    "name": "lower(coalesce(customers.company_name, '') || ' ' || "
            "coalesce(customers.first_name, '') || ' ' || coalesce(customers.last_name, ''))",
    "email": "lower(coalesce(customers.email, ''))",
    "phone": "replace(coalesce(customers.phone, ''), '+', '')",
}


def column_contains(column: str, term: str, dialect: str) -> ColumnElement[bool]:
    """One search column contains ``term`` (a filter, unranked)."""
    term = term.lower()
    own_text = literal_column(_COLUMN_TEXT[column]).like(f"%{_escape_like(term)}%", escape="\\")
    if len(term) < MIN_TERM:
        return own_text  # too short for the trigram index: a scan, but a correct one
    if dialect == "sqlite":
        matches = select(_FTS.c.rowid).where(
            text(f"customer_search MATCH :{column}_fts").bindparams(
                **{f"{column}_fts": f"{column} : {_fts_phrase(term)}"}))
        return Customer.id.in_(matches)
    # The document's trigram index finds candidates; the column's own text confirms them.
    return and_(_indexed(((term,),), within=column), own_text)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def exact(terms: Terms, region: str) -> ColumnElement[bool]:
    """Customers the query names exactly: id (#501), email, license, phone, external id or
    full name."""
    from patronage.types import license_key, normalize_phone

    raw = terms.raw
    ors: list[ColumnElement[bool]] = [Customer.sort_name == raw.lower(),
                                      Customer.external_id == raw]
    if (named := _AN_ID.fullmatch(raw.strip())) and int(named[1]) <= MAX_INT:
        ors.append(Customer.id == int(named[1]))
    if "@" in raw:
        ors.append(func.lower(Customer.email) == email_key(raw))
    key = _NOT_KEY.sub("", raw.lower()).upper()
    if key:
        ors.append(and_(Customer.license_key == license_key(key),
                        Customer.type == "business"))
    try:
        ors.append(Customer.phone == normalize_phone(raw, region))
    except PydanticCustomError:
        pass  # not a phone number: nothing to match exactly
    return or_(*ors)


def prefix(terms: Terms) -> ColumnElement[bool]:
    """Names that start with the query (an index range on sort_name)."""
    start = terms.raw.lower()
    return and_(Customer.sort_name >= start, Customer.sort_name < start + "\uffff")


def priority_ids(session: Session, where: list[ColumnElement[bool]], terms: Terms,
                 region: str) -> list[int]:
    """Ids of exact hits, then name-prefix hits, at most PRIORITY_CAP, in rank order."""
    ids: list[int] = []
    ranked = [select(Customer.id).where(*where, exact(terms, region))
              .order_by(Customer.id.desc()),
              select(Customer.id).where(*where, prefix(terms))
              .order_by(Customer.sort_name, Customer.id)]
    for query in ranked:
        for cid in session.scalars(query.limit(PRIORITY_CAP)):
            if cid not in ids:
                ids.append(cid)
    return ids[:PRIORITY_CAP]
