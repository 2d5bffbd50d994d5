"""The directory's filter set: one Pydantic model read from the query string, turned into
SQL conditions; shared by the API list, the admin list, the export and bulk actions."""

from __future__ import annotations

from calendar import isleap
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from sqlalchemy import ColumnElement, and_, func, literal_column, select

from patronage.customers import search
from patronage.customers.fields import CustomerType, RiskLevel
from patronage.customers.models import Customer, CustomerStore, CustomerTag
from patronage.errors import ValidationFailed
from patronage.types import MAX_INT, Id, PlainText, normalise_tag


def _split(value: Any) -> Any:
    """`a,b` and repeated parameters both make a list; blanks are dropped."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    out = [part.strip() for item in items for part in str(item).split(",")]
    return [p for p in out if p] or None


# A list filter takes at most this many values (a thousand states is an attack, not a view).
MAX_VALUES = 100
IdList = Annotated[Annotated[list[Id], Field(max_length=MAX_VALUES)] | None,
                   BeforeValidator(_split)]
# A sales rep filter also takes "me": the member asking ("My customers").
ME = "me"
RepList = Annotated[Annotated[list[Id | Literal["me"]], Field(max_length=MAX_VALUES)] | None,
                    BeforeValidator(_split)]
Word = Annotated[str, StringConstraints(min_length=1, max_length=100), PlainText]  # trimmed first
WordList = Annotated[Annotated[list[Word], Field(max_length=MAX_VALUES)] | None,
                     BeforeValidator(_split)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("10000000000"), decimal_places=2)]
Amount = Annotated[int, Field(ge=0, le=MAX_INT)]
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(9998, 12, 31))]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]


class CustomerFilters(BaseModel):
    """Every filter of the directory; all optional, all combinable (AND)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    q: Annotated[str, StringConstraints(max_length=200), PlainText] | None = Field(
        None, description="Search box: names, email, phone, license number, external id.")
    id: IdList = Field(None, description="Customer ids (comma-separated or repeated).")
    name: Word | None = Field(None, description="Company or person name contains.")
    type: Annotated[Annotated[list[CustomerType], Field(max_length=MAX_VALUES)] | None,
                    BeforeValidator(_split)] = None
    store: IdList = Field(None, description="Ordered from any of these stores.")
    master_store: IdList = None
    email: Word | None = Field(None, description="Email contains (case-insensitive).")
    phone: Word | None = Field(None, description="Phone digits contain, however typed.")
    status: IdList = None
    sales_rep: RepList = Field(None, description="Sales rep ids; `me` for the member "
                               "asking (My customers).")
    payment_terms: IdList = None
    license_type: IdList = None
    state: WordList = None
    city: Word | None = Field(None, description="City (case-insensitive).")
    zip: Word | None = Field(None, description="ZIP code starts with.")
    tag: WordList = Field(None, description="Has every one of these tags.")
    tax_exempt: bool | None = None
    subscription: bool | None = None
    registered_from: Day | None = None
    registered_to: Day | None = None
    last_login_from: Day | None = None
    last_login_to: Day | None = None
    last_order_from: Day | None = None
    last_order_to: Day | None = None
    last_activity_from: Day | None = None
    last_activity_to: Day | None = None
    order_count_min: Amount | None = None
    order_count_max: Amount | None = None
    total_spent_min: Money | None = Field(None, validation_alias=AliasChoices(
        "total_spent_min", "spent_min"), description="Spent at least ($); `spent_min` too.")
    total_spent_max: Money | None = Field(None, validation_alias=AliasChoices(
        "total_spent_max", "spent_max"), description="Spent at most ($); `spent_max` too.")
    has_no_orders: bool | None = None
    has_no_email: bool | None = None
    risk_level: Annotated[Annotated[list[RiskLevel], Field(max_length=3)] | None,
                          BeforeValidator(_split)] = None
    shopper_level: WordList = Field(None, description="Any of these levels (case-insensitive).")
    country: Annotated[Annotated[list[Country], Field(max_length=MAX_VALUES)] | None,
                       BeforeValidator(_split)] = Field(None, description="Two-letter codes.")
    membership_id: Word | None = Field(None, description="Membership ID, exactly.")
    age_limited: bool | None = Field(None, description="Allowed age-limited products.")
    birthday_month: Annotated[int, Field(ge=1, le=12)] | None = Field(
        None, description="Birthday in this month (1-12), any year.")
    birthday_within: Annotated[int, Field(ge=0, le=366)] | None = Field(
        None, description="Birthday in the next N days (0: today), any year.")
    birthday_from: Day | None = Field(None, description="Born on or after this date.")
    birthday_to: Day | None = Field(None, description="Born on or before this date.")
    license_expires_from: Day | None = None
    license_expires_to: Day | None = None
    license_expires_within: Annotated[int, Field(ge=0, le=3650)] | None = Field(
        None, description="License expires between today and N days from now.")

    def resolved(self, member_id: int | None) -> CustomerFilters:
        """The filters with ``me`` put as the member asking (None: nobody asks, e.g. the
        CLI, and ``me`` is refused)."""
        if not self.sales_rep or ME not in self.sales_rep:
            return self
        if member_id is None:
            raise ValidationFailed.field("sales_rep", "`me` names the member asking; here "
                                         "nobody is signed in.", "literal_error")
        reps = [member_id if r == ME else r for r in self.sales_rep]
        return self.model_copy(update={"sales_rep": list(dict.fromkeys(reps))})

    def active(self) -> dict[str, Any]:
        """The filters that are set (q excluded), as given."""
        return {k: v for k, v in self.model_dump(exclude={"q"}).items()
                if v is not None and v != []}


DATE_RANGES = {"registered": Customer.registered_at, "last_login": Customer.last_login_at,
               "last_order": Customer.last_order_at, "last_activity": Customer.last_activity_at}


def _one_of(column: Any, values: list[Any]) -> ColumnElement[bool]:
    """Equality for one value: SQLite then walks a (tenant_id, column, id) index in order."""
    distinct = list(dict.fromkeys(values))
    return column == distinct[0] if len(distinct) == 1 else column.in_(distinct)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _month_day(dialect: str) -> Any:
    """A birthday's month and day as 'MM-DD' (year left out), in the dialect's SQL."""
    if dialect == "sqlite":  # dates are stored as 'YYYY-MM-DD'
        # Written as the index on it is (customers.models, migration 0020): literals, not
        # parameters, or SQLite cannot tell the expressions are the same.
        return func.substr(Customer.birthday, literal_column("6"), literal_column("5"))
    return func.to_char(Customer.birthday, "MM-DD")


def birthday_window(today: date, days: int) -> list[str]:
    """The birthdays ('MM-DD') from ``today`` to ``days`` later (under a year), whatever the
    year; in a common year the 29th of February is celebrated on the 1st of March."""
    out: list[str] = []
    for n in range(days + 1):
        day = today + timedelta(days=n)
        if (day.month, day.day) == (3, 1) and not isleap(day.year):
            out.append("02-29")
        out.append(day.strftime("%m-%d"))
    return out


def _birthdays(f: CustomerFilters, dialect: str) -> list[ColumnElement[bool]]:
    """Birthdays in a month, or in the next N days, whatever the year."""
    out: list[ColumnElement[bool]] = []
    if f.birthday_month is None and f.birthday_within is None:
        return out
    # A condition on the month-day implies the index's `month-day IS NOT NULL` by itself.
    day = _month_day(dialect)
    if f.birthday_month is not None:
        month = f"{f.birthday_month:02d}"
        out.append(and_(day >= f"{month}-01", day <= f"{month}-31"))
    if f.birthday_within is not None and f.birthday_within < 365:  # else: every birthday
        # Each day of the span probes the month-day index; a span over New Year's Eve as a
        # range would be two (`>= '12-20' OR <= '01-10'`), which no index answers.
        out.append(day.in_(birthday_window(datetime.now(UTC).date(), f.birthday_within)))
    return out


def conditions(f: CustomerFilters, tenant_id: int, dialect: str) -> list[ColumnElement[bool]]:
    """SQL conditions for everything but ``q`` (search is ranked separately)."""
    c = Customer
    out: list[ColumnElement[bool]] = [c.tenant_id == tenant_id]
    in_lists = {"id": c.id, "type": c.type, "master_store": c.master_store_id,
                "status": c.status_id, "sales_rep": c.sales_rep_id,
                "payment_terms": c.payment_term_id, "license_type": c.license_type_id}
    if f.sales_rep and ME in f.sales_rep:
        f = f.resolved(None)  # refused: nobody asks here
    for name, column in in_lists.items():
        values = getattr(f, name)
        if values:
            out.append(_one_of(column, values))
    if f.state:
        out.append(_one_of(c.state, [s.upper() for s in f.state] + f.state))
    if f.city:
        out.append(func.lower(c.city) == f.city.lower())
    if f.zip:
        out.append(and_(c.zip >= f.zip, c.zip < f.zip + "\uffff"))
    if f.name:
        out.append(search.column_contains("name", f.name, dialect))
    if f.email:
        out.append(search.column_contains("email", f.email, dialect))
    if f.phone:
        digits = "".join(ch for ch in f.phone if ch.isdigit())
        out.append(search.column_contains("phone", digits or f.phone, dialect))
    for flag in ("tax_exempt", "subscription"):
        value = getattr(f, flag)
        if value is not None:
            out.append(getattr(c, flag) == value)  # NOT NULL columns: = is indexable
    for prefix, column in DATE_RANGES.items():
        start, end = getattr(f, f"{prefix}_from"), getattr(f, f"{prefix}_to")
        if start:
            out.append(column >= _day_start(start))
        if end:
            out.append(column < _day_start(end + timedelta(days=1)))
    if f.order_count_min is not None:
        out.append(c.order_count >= f.order_count_min)
    if f.order_count_max is not None:
        out.append(c.order_count <= f.order_count_max)
    if f.total_spent_min is not None:
        out.append(c.total_spent_cents >= int(f.total_spent_min * 100))
    if f.total_spent_max is not None:
        out.append(c.total_spent_cents <= int(f.total_spent_max * 100))
    # Partial indexes (customers.models.SPARSE_INDEXED): an equality on a column tells SQLite
    # the column is not NULL, so they apply; stating `IS NOT NULL` too would offer the planner
    # a range it may prefer (every US customer walked to find none in Canada). An expression
    # (lower(shopper_level)) implies nothing, so there it is stated.
    if f.risk_level:
        out.append(_one_of(c.risk_level, f.risk_level))
    if f.shopper_level:
        out.append(and_(c.shopper_level.is_not(None), _one_of(
            func.lower(c.shopper_level), sorted({v.lower() for v in f.shopper_level}))))
    if f.country:
        out.append(_one_of(c.country, [v.upper() for v in f.country]))
    if f.membership_id:
        out.append(c.membership_id == f.membership_id)
    if f.age_limited is not None:
        out.append(c.allow_age_limited_products == f.age_limited)
    out += _birthdays(f, dialect)
    if f.birthday_from:  # a comparison implies IS NOT NULL: the partial index applies
        out.append(c.birthday >= f.birthday_from)
    if f.birthday_to:
        out.append(c.birthday <= f.birthday_to)
    expires = c.license_expires_on
    if f.license_expires_from:
        out.append(expires >= f.license_expires_from)
    if f.license_expires_to:
        out.append(expires <= f.license_expires_to)
    if f.license_expires_within is not None:
        today = datetime.now(UTC).date()
        out.append(and_(expires >= today,
                        expires <= today + timedelta(days=f.license_expires_within)))
    if f.has_no_orders is not None:
        out.append((c.order_count == 0) if f.has_no_orders else (c.order_count > 0))
    if f.has_no_email is not None:
        out.append(c.email.is_(None) if f.has_no_email else c.email.is_not(None))
    # Set membership through the (tenant_id, value, customer_id) indexes, not a probe per row.
    if f.store:
        out.append(c.id.in_(select(CustomerStore.customer_id).where(
            CustomerStore.tenant_id == tenant_id, CustomerStore.store_id.in_(f.store))))
    for tag in f.tag or []:
        out.append(c.id.in_(select(CustomerTag.customer_id).where(
            CustomerTag.tenant_id == tenant_id, CustomerTag.tag == normalise_tag(tag))))
    return out



class ListParams(CustomerFilters):
    """The list's query string: the filters plus sort and keyset paging."""

    sort: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        None, description="A column (prefix - for descending); with q, default relevance.")
    limit: Annotated[int, Field(ge=1, le=500)] = Field(50, description="Page size (1-500).")
    cursor: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description="next_cursor of the previous page.")

    def filters(self, member_id: int | None = None) -> CustomerFilters:
        """The filters alone; ``me`` put as ``member_id`` (the member asking) when given,
        else kept as said (to show it; a query refuses it)."""
        out = CustomerFilters.model_validate(
            self.model_dump(include=set(CustomerFilters.model_fields)))
        return out if member_id is None else out.resolved(member_id)


ColumnList = Annotated[list[Annotated[str, StringConstraints(max_length=40)]] | None,
                       BeforeValidator(_split)]


class ExportParams(ListParams):
    """The list's query string plus the columns to write (default: the member's columns)."""

    columns: ColumnList = Field(None, description="Column keys, comma-separated, in order; "
                                "`all` for every field (an export that imports back whole).")


def _is_list(annotation: Any) -> bool:
    """A list, an optional list, or either with constraints (Annotated)."""
    if get_origin(annotation) is Annotated:
        return _is_list(get_args(annotation)[0])
    return get_origin(annotation) is list or any(_is_list(a) for a in get_args(annotation))


# The parameters that take several values (repeated or comma-separated).
LIST_PARAMETERS = frozenset(name for name, field in ExportParams.model_fields.items()
                            if _is_list(field.annotation))


def query_values(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A query string's pairs as the list's parameters take them: the one reading of the
    admin's address, a saved view's query and the CLI's ``--query`` (the API's FastAPI
    reads the same way). A list parameter keeps every value (``state=CA&state=NV``), any
    other its last; a blank value is no value."""
    raw: dict[str, Any] = {}
    for key, value in pairs:
        if not value.strip():
            continue
        if key in LIST_PARAMETERS:
            raw.setdefault(key, []).append(value)
        else:
            raw[key] = value
    return raw
