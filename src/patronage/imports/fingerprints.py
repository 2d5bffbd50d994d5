"""Fingerprints of imported rows: a keyed hash of a raw row, kept per customer with what
decided its outcome, so that a re-import recognises unchanged rows before parsing them."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select

from patronage.customers.models import Customer
from patronage.db import ListParam
from patronage.imports.models import ImportFingerprint

# Bump when converting a row changes meaning: every stored fingerprint is then stale.
FINGERPRINT_FORMAT = 1
SEPARATOR = "\x1f"


def fingerprint_key(headers: list[str], fields: list[str | None], region: str,
                    lists: dict[str, dict[str, int]]) -> bytes:
    """What a raw row's meaning depends on besides its cells: the converting code (its
    format number, the validation libraries' versions), the header, the mapping, the
    workspace's phone region and lists. Fingerprints are hashed with it as their key, so
    a change to any of them makes every stored fingerprint miss."""
    libraries = [metadata.version(name) for name in ("phonenumbers", "email-validator")]
    context = json.dumps([FINGERPRINT_FORMAT, libraries, headers, fields, region, lists],
                         sort_keys=True)
    return hashlib.blake2b(context.encode(), digest_size=32).digest()


def fingerprint(key: bytes, cells: list[str]) -> bytes | None:
    """A raw row's fingerprint; None for a row whose cells hold the separator (joined, it
    could read like another row's)."""
    joined = SEPARATOR.join(cells)
    if joined.count(SEPARATOR) != len(cells) - 1:
        return None
    return hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=16,
                           key=key).digest()


def known_query(digests: ListParam) -> Any:
    """The customers (id, version) the fingerprints ``digests`` of tenant ``:tenant`` were
    taken from, where nothing that decided the row's outcome changed since: the customer's
    version and order figures, and, for a row matched by email or phone (not unique), no
    older customer holding that key now (the full path would match the oldest). Found through
    ix_import_fingerprints_digest, the older holders through ix_customers_tenant_email /
    _phone. (A bound on customer_id here would steer SQLite into scanning the tenant's
    fingerprints instead.)"""
    f, c = ImportFingerprint.__table__.c, Customer.__table__.c
    older = Customer.__table__.alias("older")
    # lower() on both sides: an expression against a TEXT column would not use the
    # expression index on SQLite (affinity); the stored key is lower-case already.
    held = {"email": (func.lower(older.c.email), func.lower(f.match_key)),
            "phone": (older.c.phone, f.match_key)}
    no_older_holder = [
        or_(f.match_rule != rule, ~exists().where(
            older.c.tenant_id == f.tenant_id, column == key, older.c.id < f.customer_id))
        for rule, (column, key) in held.items()]
    return (select(f.digest, f.customer_id, f.version)
            .join(Customer.__table__, and_(
                c.tenant_id == f.tenant_id, c.id == f.customer_id, c.version == f.version,
                c.order_count == f.order_count, c.total_spent_cents == f.total_spent_cents))
            .where(f.tenant_id == bindparam("tenant"), f.digest.in_(digests.binds()),
                   *no_older_holder))

