"""Every customer field, declared once (SPEC.md "The customer record").

The API's schemas (customers.schemas), the admin form's checkboxes, the references checked
in the workspace, what an event may fill in, what an import reads and writes (its column
names, text limits and list lookups), and the audit trail's snapshot of a customer are all
derived from this table. Adding a field is one entry here plus a migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "email", "phone", "license", "reference", "date", "datetime", "flag",
               "count", "choice", "country", "tags", "money"]


@dataclass(frozen=True)
class Field:
    name: str  # in the API, the admin form, the audit trail
    kind: Kind
    label: str  # a person's word for it: the import's first column name, the history's
    max_length: int | None = None  # text kinds
    editable: bool = True  # staff and integrations set it (CustomerCreate / CustomerUpdate)
    enrich: bool = False  # an event may fill it in when the customer lacks it
    # Imports: the name a column maps to (a reference is mapped by its list's name, e.g.
    # "status" for status_id), and the other spellings of its header. None: not imported.
    import_as: str | None = ""
    synonyms: tuple[str, ...] = ()
    reference: str | None = None  # the list a reference points into (rules.REFERENCES)
    choices: tuple[str, ...] = ()
    sort: str | None = None  # the column the directory sorts it by (indexed), if sortable

    @property
    def column(self) -> str:
        """Its name as a column of the directory, an export and an import (``import_as``,
        else the field's own): ``status`` for status_id."""
        return self.import_as or self.name

    @property
    def numeric(self) -> bool:
        return self.kind in ("count", "money")


def _f(name: str, kind: Kind, label: str, *synonyms: str, **options: object) -> Field:
    return Field(name, kind, label, synonyms=synonyms, **options)  # type: ignore[arg-type]


TYPES = ("guest", "registered", "business")
RISK_LEVELS = ("low", "medium", "high")
CustomerType = Literal["guest", "registered", "business"]  # TYPES, as a type
RiskLevel = Literal["low", "medium", "high"]  # RISK_LEVELS, as a type

# In the order SPEC.md lists them; forms, exports and the audit trail follow it.
FIELDS: tuple[Field, ...] = (
    _f("external_id", "text", "External ID", "Customer ID", "Customer Number",
       "Account Number", "Account ID", max_length=100, enrich=True, sort="external_id"),
    _f("type", "choice", "Type", "Customer Type", choices=TYPES, sort="type"),
    _f("company_name", "text", "Company", "Company Name", "Business Name", "Dispensary Name",
       "Store Name", "Retailer", "Account Name", "Default Address Company", "Organization",
       max_length=200, enrich=True),
    _f("first_name", "text", "First name", "First", "Given Name", "Firstname",
       max_length=100, enrich=True),
    _f("last_name", "text", "Last name", "Last", "Surname", "Family Name", "Lastname",
       max_length=100, enrich=True),
    _f("email", "email", "Email", "E-mail", "Email Address", "E-mail Address", "Mail",
       max_length=254, enrich=True, sort="email"),
    _f("phone", "phone", "Phone", "Phone Number", "Mobile", "Mobile Phone", "Cell",
       "Cell Phone", "Telephone", "Tel", "Default Address Phone", max_length=40, enrich=True),
    _f("address1", "text", "Address 1", "Address", "Address1", "Address Line 1", "Street",
       "Street Address", "Default Address Address1", max_length=200, enrich=True),
    _f("address2", "text", "Address 2", "Address2", "Address Line 2", "Suite", "Apt",
       "Default Address Address2", max_length=200, enrich=True),
    _f("city", "text", "City", "Town", "Default Address City", max_length=100, enrich=True,
       sort="city"),
    _f("state", "text", "State", "Province", "Province Code", "State Code", "Region",
       "Default Address Province Code", max_length=50, enrich=True, sort="state"),
    _f("zip", "text", "ZIP", "Zip Code", "Postal Code", "Postcode", "Zipcode",
       "Default Address Zip", max_length=20, enrich=True, sort="zip"),
    _f("country", "country", "Country", "Country Code", "Default Address Country Code",
       enrich=True),
    _f("license_number", "license", "License number", "License", "License #", "License No",
       "License Number", "State License", "Licence Number", max_length=64, sort="license_key"),
    _f("license_type_id", "reference", "License type", "License Category",
       reference="license_types", import_as="license_type", enrich=True, sort="license_type_id"),
    _f("license_expires_on", "date", "License expires", "License Expiration",
       "License Expiry", "License Expiration Date", enrich=True, sort="license_expires_on"),
    _f("payment_term_id", "reference", "Payment terms", "Terms", reference="payment_terms",
       import_as="payment_terms", enrich=True),
    _f("sales_rep_id", "reference", "Sales rep", "Sales Representative", "Rep",
       "Account Manager", "Sales Rep Email", reference="users", import_as="sales_rep",
       enrich=True, sort="sales_rep_id"),
    _f("status_id", "reference", "Status", "Customer Status", reference="statuses",
       import_as="status", enrich=True, sort="status_id"),
    _f("tags", "tags", "Tags", "Labels"),
    _f("tax_exempt", "flag", "Tax exempt", "Tax Exempt"),
    _f("notes", "text", "Notes", "Note", "Comments", max_length=10_000),
    _f("master_store_id", "reference", "Master store", "Home Store", "Store",
       reference="stores", import_as="master_store", enrich=True, sort="master_store_id"),
    _f("subscription", "flag", "Subscribed", "Accepts Email Marketing", "Subscription",
       "Marketing Opt In", "Newsletter"),
    _f("membership_id", "text", "Membership ID", "Member ID", "Loyalty ID", max_length=100,
       enrich=True),
    _f("point_balance", "count", "Point balance", "Points", "Loyalty Points", enrich=True),
    _f("allow_age_limited_products", "flag", "Age-limited products",
       "Allow Age Limited Products", "Age Verified"),
    _f("birthday", "date", "Birthday", "Date of Birth", "DOB", "Birth Date", enrich=True),
    _f("shopper_level", "text", "Shopper level", "Level", "Tier", max_length=50,
       enrich=True),
    _f("risk_level", "choice", "Risk level", "Risk", choices=RISK_LEVELS, enrich=True),
    _f("registered_at", "datetime", "Registered", "Registered At", "Signed Up", "Created At",
       "Customer Since", sort="registered_at"),
    _f("last_login_at", "datetime", "Last login", import_as=None, sort="last_login_at"),
    _f("last_activity_at", "datetime", "Last activity", import_as=None, sort="last_activity_at"),
    # Figures kept by the orders recorded here; a file may state them (imported totals).
    _f("order_count", "count", "Orders", "Total Orders", "Order Count", "Number of Orders",
       editable=False, sort="order_count"),
    _f("total_spent_cents", "money", "Spent", "Total Spent", "Lifetime Value", "Total Sales",
       editable=False, import_as="total_spent", sort="total_spent_cents"),
)
BY_NAME = {f.name: f for f in FIELDS}

EDITABLE = tuple(f.name for f in FIELDS if f.editable)
FLAGS = tuple(f.name for f in FIELDS if f.kind == "flag")
# What an event may fill in for a customer that lacks it.
ENRICHABLE = tuple(f.name for f in FIELDS if f.enrich)
# What an import may write (its converter's output; license_key is derived from the number).
IMPORTED = tuple(f.name for f in FIELDS if f.import_as is not None and f.kind != "tags")
# A customer as the audit trail records it when created or deleted.
AUDITED = tuple(f.name for f in FIELDS if f.editable or f.import_as is not None)
REFERENCES = {f.name: f.reference for f in FIELDS if f.reference}
TEXT_LIMITS = {f.name: f.max_length for f in FIELDS if f.kind == "text" and f.max_length}
# Columns with a (tenant_id, column, id) index: the fields' sort columns, and the name key
# and record times (customers.models).
SORT_INDEXED = ("sort_name", *(f.sort for f in FIELDS if f.sort), "first_order_at",
                "last_order_at", "created_at", "updated_at")
