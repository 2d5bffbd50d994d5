"""One CSV row to customer values: each mapped cell parsed and normalised, every problem
reported against its column, nothing guessed silently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from pydantic_core import PydanticCustomError

from patronage.addresses import us_problems
from patronage.customers import fields
from patronage.customers.codes import CustomerCode
from patronage.imports.codes import ImportCode
from patronage.types import (
    CONTROL_CHARS,
    license_key,
    normalise_tag,
    normalize_email,
    normalize_phone,
    within_utc,
)

NEUTRALISED = ("=", "+", "-", "@")
TRUE = {"yes", "y", "true", "t", "1", "x", "subscribed", "on"}
FALSE = {"no", "n", "false", "f", "0", "", "not subscribed", "off", "unsubscribed"}
TYPES = {"business": "business", "retailer": "business", "b2b": "business",
         "registered": "registered", "shopper": "registered", "person": "registered",
         "guest": "guest"}
LIMITS = fields.TEXT_LIMITS
# A column naming a list's entry -> the reference field it fills (status -> status_id).
REFERENCES = {f.column: f.name for f in fields.FIELDS if f.reference}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%Y/%m/%d")


class CellError(ValueError):
    """A cell that cannot be read as its field: the message, and the field's code (the one
    the API answers for the same condition)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class RowError(NamedTuple):
    column: str  # the header of the offending cell ("" for the row as a whole)
    message: str
    code: str


@dataclass
class Row:
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    digest: bytes | None = None  # its fingerprint (imports.fingerprints.fingerprint)
    identity: tuple[str, str] | None = None  # the key it is matched by (service._identity)
    prepared: tuple[Any, ...] | None = None  # as a new customer (staged.NewRows.prepare)


def _text(limit: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if CONTROL_CHARS.search(raw):
            raise CellError("contains control characters that cannot be stored",
                            CustomerCode.INVALID_CHARACTERS)
        if len(raw) > limit:
            raise CellError(f"is {len(raw)} characters long; at most {limit} fit",
                            CustomerCode.TOO_LONG)
        return raw
    return parse


def _bool(raw: str) -> bool:
    low = raw.strip().lower()
    if low in TRUE:
        return True
    if low in FALSE:
        return False
    raise CellError(f"'{raw}' is not yes or no", CustomerCode.NOT_YES_OR_NO)


def _date(raw: str) -> date:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise CellError(f"'{raw}' is not a date (use YYYY-MM-DD)", CustomerCode.NOT_A_DATE)


def _datetime(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        value = datetime.combine(_date(raw), datetime.min.time())
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return within_utc(value).astimezone(UTC)  # the API's refusal, as a cell's


def _count(raw: str) -> int:
    try:
        value = int(Decimal(raw.replace(",", "")))
    except (InvalidOperation, ValueError):
        raise CellError(f"'{raw}' is not a whole number",
                        CustomerCode.NOT_A_WHOLE_NUMBER) from None
    if not 0 <= value <= 2**31 - 1:
        raise CellError(f"{value} is out of range",
                        CustomerCode.TOO_SMALL if value < 0 else CustomerCode.TOO_LARGE)
    return value


def _cents(raw: str) -> int:
    try:
        amount = Decimal(raw.replace(",", "").replace("$", "").strip())
    except InvalidOperation:
        raise CellError(f"'{raw}' is not an amount of money",
                        CustomerCode.NOT_A_NUMBER) from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("99999999999.99"):
        raise CellError(f"{raw} is out of range",
                        CustomerCode.TOO_SMALL if amount < 0 else CustomerCode.TOO_LARGE)
    return int((amount * 100).to_integral_value())


def _country(raw: str) -> str:
    code = raw.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise CellError(f"'{raw}' is not a two-letter country code",
                        CustomerCode.NOT_A_CODE)
    return code


def _risk(raw: str) -> str:
    low = raw.strip().lower()
    if low not in ("low", "medium", "high"):
        raise CellError(f"'{raw}' is not low, medium or high", CustomerCode.NOT_A_CHOICE)
    return low


def _type(raw: str) -> str:
    kind = TYPES.get(raw.strip().lower())
    if kind is None:
        raise CellError(f"'{raw}' is not business, registered or guest",
                        CustomerCode.NOT_A_CHOICE)
    return kind


def _tags(raw: str) -> list[str]:
    tags = sorted({normalise_tag(t) for t in raw.replace(";", ",").split(",")} - {""})
    if any(len(t) > 50 for t in tags) or len(tags) > 50:
        raise CellError("holds more than 50 tags or a tag over 50 characters",
                        CustomerCode.TOO_LONG)
    return tags


PARSERS: dict[str, Callable[[str], Any]] = {
    **{name: _text(limit) for name, limit in LIMITS.items()},
    "type": _type, "country": _country, "license_expires_on": _date, "tags": _tags,
    "tax_exempt": _bool, "subscription": _bool, "sms_subscription": _bool,
    "allow_age_limited_products": _bool, "point_balance": _count, "birthday": _date,
    "risk_level": _risk, "registered_at": _datetime, "order_count": _count,
    "total_spent": _cents,
}


class Converter:
    """Turns rows into values for one import (the workspace's lists looked up once)."""

    def __init__(self, headers: list[str], fields: list[str | None], region: str,
                 lists: dict[str, dict[str, int]]) -> None:
        self.plan = [(i, headers[i], f) for i, f in enumerate(fields) if f]
        self.width = len(headers)
        self.region = region
        self.lists = lists  # reference field -> lower-cased name (or code/email) -> id

    def row(self, line: int, cells: list[str]) -> Row:
        row = Row(line)
        if len(cells) != self.width:
            row.errors.append(RowError("", f"has {len(cells)} cells; the header has "
                                           f"{self.width}", ImportCode.WRONG_CELL_COUNT))
            return row
        values = row.values
        for i, header, name in self.plan:
            raw = cells[i].strip()
            if raw[:1] == "'" and raw[1:2] in NEUTRALISED:  # our export's formula guard
                raw = raw[1:]
            if not raw and name not in ("tax_exempt", "subscription"):
                continue
            try:
                self._cell(values, name, raw)
            except CellError as exc:
                row.errors.append(RowError(header, f"{header} {exc}.", exc.code))
            except PydanticCustomError as exc:
                row.errors.append(RowError(header, f"{header}: {exc.message().rstrip('.')}.",
                                           exc.type))
        headers = {name: header for _i, header, name in self.plan}
        for name, message, code in us_problems(values, self.region):
            header = headers.get(name, name)
            row.errors.append(RowError(header, f"{header}: {message}", code))
        if row.errors:
            return row
        if values.get("license_number"):
            values["license_key"] = license_key(values["license_number"])
        if "type" not in values:
            values["type"] = ("business" if values.get("license_key")
                              or values.get("company_name") else "registered")
        if not any(values.get(k) for k in ("license_key", "external_id", "email", "phone",
                                           "company_name", "first_name", "last_name")):
            row.errors.append(RowError("", "names nobody: it needs a license number, external "
                                           "id, email, phone or a name",
                                       CustomerCode.NO_CUSTOMER_KEY))
        return row

    def _cell(self, values: dict[str, Any], name: str, raw: str) -> None:
        if name == "email":
            values["email"] = normalize_email(raw)
        elif name == "phone":
            values["phone"] = normalize_phone(raw, self.region)
        elif name == "license_number":
            license_key(raw)
            values["license_number"] = _text(64)(raw)
        elif name in REFERENCES:
            found = self.lists[name].get(raw.lower())
            if found is None:
                label = name.replace("_", " ")
                raise CellError(f"'{raw}' is not a {label} of this workspace (Settings)",
                                CustomerCode.UNKNOWN_REFERENCE)
            values[REFERENCES[name]] = found
        elif name == "total_spent":
            values["total_spent_cents"] = _cents(raw)
        elif name == "sms_subscription":
            values.setdefault("subscription", False)
            values["subscription"] = values["subscription"] or _bool(raw)
        elif name == "subscription":
            values["subscription"] = values.get("subscription", False) or _bool(raw)
        else:
            values[name] = PARSERS[name](raw)
