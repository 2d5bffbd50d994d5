"""The customer schema family: Create, Update (all optional), Out, Page, and the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic_core import PydanticCustomError

from patronage.customers import fields, rules
from patronage.customers.codes import CustomerCode
from patronage.customers.filters import ListParams, query_values
from patronage.customers.tables import COLUMNS
from patronage.errors import FieldError
from patronage.types import Count, Email, Id, Instant, LicenseNumber, PhoneText, PlainText

CustomerType, RiskLevel = fields.CustomerType, fields.RiskLevel


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


Blankable = BeforeValidator(_blank_to_none)


def _text(max_length: int) -> Any:
    """Optional trimmed text; an empty string means "no value"."""
    inner = Annotated[str, StringConstraints(strip_whitespace=True, max_length=max_length),
                      PlainText]
    return Annotated[inner | None, Blankable]


Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
                PlainText]
CountryCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                               pattern=r"^[A-Za-z]{2}$")]

EDITABLE_FIELDS = fields.EDITABLE


def _annotation(f: fields.Field) -> Any:
    """The optional input type of a field (flags, tags and the type are declared by
    CustomerCreate and CustomerUpdate, whose defaults differ)."""
    if f.kind == "text":
        assert f.max_length is not None
        return _text(f.max_length)
    inner = {"email": Email, "phone": PhoneText, "license": LicenseNumber, "reference": Id,
             "date": date, "datetime": Instant, "count": Count, "country": CountryCode,
             "choice": Literal[f.choices] if f.choices else str}[f.kind]
    return Annotated[inner | None, Blankable]


class _FieldsBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @classmethod
    def region_problems(cls, raw: dict[str, Any], region: str) -> list[FieldError]:
        """What the tenant's rules say of input this schema refused (forms.parse)."""
        kind = cls.model_fields.get("type")
        return rules.draft_errors(raw, region, adding=kind is not None and kind.is_required())


# Every editable field but the type, flags and tags, optional (customers.fields).
_CustomerFields: type[_FieldsBase] = create_model(  # type: ignore[call-overload]
    "_CustomerFields", __base__=_FieldsBase,
    **{f.name: (_annotation(f), None) for f in fields.FIELDS
       if f.editable and f.kind not in ("flag", "tags") and f.name != "type"})


class CustomerCreate(_CustomerFields):
    type: CustomerType
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    tax_exempt: bool = False
    subscription: bool = False
    allow_age_limited_products: bool = False


class CustomerUpdate(_CustomerFields):
    """Every field optional; only the fields sent are changed."""

    type: CustomerType | None = None
    tags: list[Tag] | None = Field(default=None, max_length=50)
    tax_exempt: bool | None = None
    subscription: bool | None = None
    allow_age_limited_products: bool | None = None


# What registering a guest takes (customers.registration), with the fields' own types.
REGISTRATION_FIELDS = ("first_name", "last_name", "email", "phone", "address1", "address2",
                       "city", "state", "zip", "country")
Registration: type[_FieldsBase] = create_model(  # type: ignore[call-overload]
    "Registration", __base__=_FieldsBase,
    __doc__="Fields to fill in or correct; what the guest already has may be left out.",
    **{name: (_annotation(fields.BY_NAME[name]), None) for name in REGISTRATION_FIELDS})


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    type: CustomerType
    display_name: str
    external_id: str | None
    company_name: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    address1: str | None
    address2: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None
    license_number: str | None
    license_type_id: int | None
    license_expires_on: date | None
    payment_term_id: int | None
    sales_rep_id: int | None
    status_id: int | None
    tags: list[str]
    tax_exempt: bool
    notes: str | None
    master_store_id: int | None
    store_ids: list[int]
    subscription: bool
    subscribed_at: datetime | None
    membership_id: str | None
    point_balance: int | None
    allow_age_limited_products: bool
    birthday: date | None
    shopper_level: str | None
    risk_level: RiskLevel | None
    registered_at: datetime | None
    last_login_at: datetime | None
    last_activity_at: datetime | None
    created_at: datetime
    updated_at: datetime
    order_count: int
    total_spent: Decimal
    average_order_value: Decimal
    first_order_at: datetime | None
    last_order_at: datetime | None
    sample_count: int
    imported_order_count: int = Field(description="Of order_count, the orders imported "
                                                  "(the rest were recorded here).")
    imported_total_spent: Decimal = Field(description="Of total_spent, the part imported.")
    totals_imported_at: datetime | None = Field(description="When the totals were last "
                                                            "imported.")


class PossibleDuplicate(BaseModel):
    id: int = Field(description="A customer that may be the same one.")
    score: float = Field(description="How likely the two are one customer, 0-1.")
    reasons: list[str] = Field(description="The signals behind the score, strongest first.")


class CustomerSaved(CustomerOut):
    """A customer as added or changed, with the customers it may duplicate."""

    possible_duplicates: list[PossibleDuplicate] = Field(
        default_factory=list, description=(
            "Customers this one looks like (an identical license, external id, or email "
            "taken already is a 409 instead): most likely first. Saved anyway; merge or "
            "dismiss them from GET /api/v1/duplicates."))


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    total: int = Field(description="Matching customers; a lower bound when total_exact is "
                                   "false (exact counting stops at 10,000 matches, 2,000 "
                                   "for a text search, or when it would cost more than "
                                   "the page).")
    total_exact: bool = True
    next_cursor: str | None


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    user_id: int | None
    source: str
    action: Literal["created", "updated", "deleted", "merged", "unmerged"] = Field(description=(
        "merged: customers were merged into this one (old_value: them as they were; "
        "new_value: merge_id, what it kept and moved); unmerged: a merge was undone."))
    field: str | None
    old: Any = Field(validation_alias="old_value")
    new: Any = Field(validation_alias="new_value")


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None


# -- directory columns and saved views (customers.saved) --------------------------------
ViewName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=80), PlainText]


def _check_columns(columns: list[str]) -> list[str]:
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise PydanticCustomError(
            CustomerCode.UNKNOWN_COLUMN, "Unknown column(s): {unknown}. Known: {known}.",
            {"unknown": ", ".join(unknown), "known": ", ".join(COLUMNS)})
    if "name" not in columns:
        columns = ["name", *columns]  # a row must say who it is
    return list(dict.fromkeys(columns))


class ColumnsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: list[str] = Field(min_length=1, max_length=len(COLUMNS))

    @field_validator("columns")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return _check_columns(value)


class ColumnsOut(BaseModel):
    columns: list[str]
    available: dict[str, str] = Field(default_factory=lambda: {k: c.label
                                                              for k, c in COLUMNS.items()})


class SavedViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ViewName
    query: Annotated[str, StringConstraints(max_length=2000)] = Field(
        "", description="The list's query string (filters and sort), e.g. state=CA&sort=name.")
    columns: list[str] | None = None
    shared: bool = False

    @field_validator("query")
    @classmethod
    def _valid_query(cls, value: str) -> str:
        pairs = [(k, v) for k, v in parse_qsl(value.lstrip("?")) if k != "cursor" and v]
        try:
            ListParams.model_validate(query_values(pairs))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{where}: {first['msg']}") from None
        return urlencode(pairs)

    @field_validator("columns")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        return _check_columns(value) if value else None


class SavedViewUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ViewName | None = None
    shared: bool | None = None


class SavedViewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    query: str
    columns: list[str] | None
    shared: bool
    user_id: int
    mine: bool = False


# -- bulk changes (customers.bulk_edit) ----------------------------------------------------

class BulkChange(BaseModel):
    """One change for every customer in scope; exactly one action."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["set_status", "set_sales_rep", "set_payment_terms", "set_license_type",
                    "add_tags", "remove_tags", "delete"]
    value: Id | None = Field(None, description="The new id for set_* (null clears it).")
    tags: list[Tag] = Field(default_factory=list, max_length=20, validate_default=True)
    ids: list[Id] | None = Field(None, max_length=10_000,
                                 description="Only these customers (of those the filters match)")
    expected: int | None = Field(None, ge=0, description="Refuse (409) unless exactly this many "
                                                         "customers are in scope.")

    @field_validator("tags")
    @classmethod
    def _tags_for_tag_actions(cls, tags: list[str], info: ValidationInfo) -> list[str]:
        if str(info.data.get("action", "")).endswith("_tags") and not tags:
            raise PydanticCustomError(CustomerCode.REQUIRED,
                                      "Name at least one tag to add or remove.")
        return tags


class BulkResult(BaseModel):
    matched: int
    changed: int
