"""The registry of tenant-defined lists: one entry per kind, shared by API, admin and CLI."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from patronage.settings_lists import models, schemas


@dataclass(frozen=True)
class ListKind:
    slug: str  # URL segment: /api/v1/settings/<slug>
    label: str
    singular: str
    model: type[models.Base]
    create: type[BaseModel]
    update: type[BaseModel]
    out: type[BaseModel]
    customer_column: str  # the customers column that references this list


KINDS: dict[str, ListKind] = {
    k.slug: k
    for k in (
        ListKind("statuses", "Statuses", "status", models.Status, schemas.StatusCreate,
                 schemas.StatusUpdate, schemas.StatusOut, "status_id"),
        ListKind("payment-terms", "Payment terms", "payment term", models.PaymentTerm,
                 schemas.PaymentTermCreate, schemas.PaymentTermUpdate, schemas.PaymentTermOut,
                 "payment_term_id"),
        ListKind("license-types", "License types", "license type", models.LicenseType,
                 schemas.LicenseTypeCreate, schemas.LicenseTypeUpdate,
                 schemas.LicenseTypeOut, "license_type_id"),
        ListKind("stores", "Stores", "store", models.Store, schemas.StoreCreate,
                 schemas.StoreUpdate, schemas.StoreOut, "master_store_id"),
    )
}
