"""The registry of tenant-defined lists: one entry per kind, shared by API, admin and CLI."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from patronage.settings_lists import models, schemas


@dataclass(frozen=True)
class FormField:
    """One input of the admin's add/edit form for a list item."""

    name: str
    label: str
    input: str = "text"  # text | color | number | list (comma-separated)
    hint: str = ""


NAME = FormField("name", "Name")


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
    fields: tuple[FormField, ...] = (NAME,)


KINDS: dict[str, ListKind] = {
    k.slug: k
    for k in (
        ListKind("statuses", "Statuses", "status", models.Status, schemas.StatusCreate,
                 schemas.StatusUpdate, schemas.StatusOut, "status_id",
                 (NAME, FormField("colour", "Colour", "color"))),
        ListKind("payment-terms", "Payment terms", "payment term", models.PaymentTerm,
                 schemas.PaymentTermCreate, schemas.PaymentTermUpdate, schemas.PaymentTermOut,
                 "payment_term_id", (NAME, FormField("days", "Days", "number",
                                                     "Empty when it has no due date."))),
        ListKind("license-types", "License types", "license type", models.LicenseType,
                 schemas.LicenseTypeCreate, schemas.LicenseTypeUpdate,
                 schemas.LicenseTypeOut, "license_type_id",
                 (NAME, FormField("product_categories", "Product categories it may order",
                                  "list", "Separate with commas."))),
        ListKind("stores", "Stores", "store", models.Store, schemas.StoreCreate,
                 schemas.StoreUpdate, schemas.StoreOut, "master_store_id",
                 (NAME, FormField("code", "Code", hint="Letters, digits, - and _."))),
    )
}
