"""Admin form <-> schema: the same validation as the API, errors keyed by field name."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from patronage.customers import fields
from patronage.customers.schemas import CustomerOut
from patronage.errors import FieldError, ValidationFailed, from_pydantic, with_region_problems

CHECKBOXES = fields.FLAGS
SKIP = {"csrf_token", "version", "save_anyway"}


def form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {k: v for k, v in form.items() if k not in SKIP
                              and isinstance(v, str)}
    for box in CHECKBOXES:
        values[box] = box in form
    if "tags" in values:
        values["tags"] = [t.strip() for t in values["tags"].split(",") if t.strip()]
    return values


def parse(model: type[BaseModel], values: dict[str, Any], region: str) -> BaseModel:
    """Validate a submitted form; when the shape is wrong, also report the service's field
    rules (phone, required fields) so the user sees every problem at once."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        errors = from_pydantic(exc.errors())
        raise ValidationFailed.of(with_region_problems(model, errors, values, region)) from exc


_PLACE = {name: i for i, name in enumerate(fields.BY_NAME)}  # a field's place in the form


def errors_by_field(errors: list[FieldError] | tuple[FieldError, ...]) -> dict[str, str]:
    """One message a field, in the order the fields are declared (the form's, so the
    summary reads top to bottom); problems of no field last."""
    out: dict[str, str] = {}
    for err in errors:
        out.setdefault(err.name or "__all__", err.detail)
    return dict(sorted(out.items(), key=lambda item: _PLACE.get(item[0], len(_PLACE))))


def initial(customer: CustomerOut) -> dict[str, Any]:
    """The form's values for ``customer``: text as the inputs take it (a date input wants
    ``YYYY-MM-DD``, a datetime-local one ``YYYY-MM-DDTHH:MM``)."""
    data = customer.model_dump()
    data["tags"] = ", ".join(customer.tags)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.strftime("%Y-%m-%dT%H:%M")
        elif isinstance(value, date):
            data[key] = value.isoformat()
    return data
