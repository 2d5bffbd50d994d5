"""Domain errors and their one rendering as RFC 9457 problem details."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"


class ProblemError(BaseModel):
    pointer: str
    detail: str
    code: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of the API is answered."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[ProblemError] | None = None


@dataclass(frozen=True)
class FieldError:
    """One offending input: a JSON pointer (``/email``), a message and a stable code."""

    pointer: str
    detail: str
    code: str

    @property
    def name(self) -> str:
        """The form field the pointer names (``/email`` -> ``email``)."""
        return self.pointer.lstrip("/").split("/", 1)[0]


@dataclass
class PatronageError(Exception):
    detail: str
    errors: Sequence[FieldError] = field(default_factory=tuple)
    extra: dict[str, Any] = field(default_factory=dict)

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __str__(self) -> str:
        return self.detail

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://patronage.dev/problems/{self.code.replace('_', '-')}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [
                {"pointer": e.pointer, "detail": e.detail, "code": e.code} for e in self.errors
            ]
        body.update(self.extra)
        return body

    @property
    def headers(self) -> dict[str, str]:
        """Headers the answer carries besides the body (Retry-After, say)."""
        return {}


class MalformedRequest(PatronageError):
    status, code, title = 400, "malformed_request", "Malformed request"


@dataclass
class StoredProblem(PatronageError):
    """A problem answered once already (an inbox entry refused when it was recorded),
    answered again as it was to a repeat of its key."""

    body: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.status = int(self.body.get("status", 422))
        self.code = str(self.body.get("code", "refused"))

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        return {**self.body, **({"instance": instance} if instance else {})}


class ValidationFailed(PatronageError):
    status, code, title = 422, "validation_failed", "Invalid input"

    @classmethod
    def of(cls, errors: Iterable[FieldError]) -> ValidationFailed:
        errs = tuple(errors)
        summary = "; ".join(f"{e.name or 'body'}: {e.detail}" for e in errs)
        return cls(detail=summary or "The input is invalid.", errors=errs)

    @classmethod
    def field(cls, name: str, detail: str, code: str) -> ValidationFailed:
        return cls.of([FieldError(f"/{name}", detail, code)])


class Unauthorized(PatronageError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(PatronageError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(PatronageError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(PatronageError):
    status, code, title = 409, "conflict", "Conflict"


class PreconditionFailed(PatronageError):
    status, code, title = 412, "stale_version", "Precondition failed"


class PreconditionRequired(PatronageError):
    status, code, title = 428, "if_match_required", "Precondition required"


@dataclass
class Merged(PatronageError):
    """A customer that was merged into another: the same address of the survivor answers
    (308, ``Location``), and the body says so (``merged_into``)."""

    merged_id: int = 0
    merged_into: int = 0
    status, code, title = 308, "merged", "Merged into another customer"

    def __post_init__(self) -> None:
        self.extra = {**self.extra, "merged_into": self.merged_into}

    def moved(self, path: str, query: str = "") -> str:
        """``path`` (of the merged customer, or one of its parts) on the survivor, with its
        ``query``."""
        path = path.replace(f"/customers/{self.merged_id}", f"/customers/{self.merged_into}",
                            1)
        return f"{path}?{query}" if query else path

    def answering(self, method: str) -> Merged:
        """The answer to ``method``: a read is sent on (308); a change is not (410), so a
        client that follows redirects cannot change or delete the survivor unawares."""
        if method in ("GET", "HEAD"):
            return self
        gone = Merged(f"{self.detail} Nothing was changed: send the request to customer "
                      f"#{self.merged_into} if that is what you mean.",
                      merged_id=self.merged_id, merged_into=self.merged_into)
        gone.status = 410
        return gone


# What a merged customer's id answers, for the routes that name a customer.
MERGED_RESPONSES: dict[int | str, dict[str, Any]] = {
    308: {"description": "A read of a merged customer: the same address on the customer it "
                         "was merged into (Location), body code `merged` with `merged_into`"},
    410: {"description": "A change to a merged customer: not sent on (code `merged`, "
                         "`merged_into`)"},
}


@dataclass
class Busy(PatronageError):
    """The server could not take the request in time (too many at once, or the database's
    write lock held too long): nothing was changed, and the client may send it again after
    ``retry_after`` seconds."""

    retry_after: int = 2
    status, code, title = 503, "busy", "Busy: try again shortly"

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


_PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "value_error": "invalid",
}


def from_pydantic(errors: Iterable[dict[str, Any]], *, strip_loc: int = 0) -> list[FieldError]:
    """Turn pydantic/FastAPI error dicts into field errors with JSON pointers."""
    out: list[FieldError] = []
    for err in errors:
        in_query = bool(err.get("loc")) and err["loc"][0] == "query"
        loc = [str(p) for p in err.get("loc", ())][strip_loc:]
        pointer = "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in loc)
        kind = err.get("type", "invalid")
        msg = str(err.get("msg", "Invalid value"))
        ctx = err.get("ctx") or {}
        if kind == "value_error" and "error" in ctx:
            msg = str(ctx["error"])
        elif msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        if kind == "extra_forbidden":
            what = "query parameter" if in_query else "field"
            msg = f"Unknown {what} '{loc[-1] if loc else ''}'."
        elif kind == "missing" or kind == "string_too_short" and ctx.get("min_length") == 1:
            msg = "This field is required."  # blank after trimming is not given at all
        code = str(ctx.get("code") or _PYDANTIC_CODES.get(kind, kind))
        if in_query and kind == "extra_forbidden":
            code = "unknown_parameter"
        out.append(FieldError(pointer if loc else "/", msg, code))
    return out


def with_region_problems(model: type, errors: list[FieldError], values: Any,
                         region: str) -> list[FieldError]:
    """``errors`` of input the schema refused, with those of the rules the schema cannot
    check (a customer's phone in the workspace's region, required fields) for the fields
    it did not already name: every bad field in one answer (the API and the admin alike)."""
    check = getattr(model, "region_problems", None)
    if check is None or not isinstance(values, dict):
        return errors
    named = {e.name for e in errors}
    return errors + [e for e in check(values, region) if e.name not in named]


def validate_field(name: str, normalise: Any, *args: Any) -> Any:
    """Run a ``types`` normaliser outside pydantic, reporting failure against ``name``."""
    from pydantic_core import PydanticCustomError

    try:
        return normalise(*args)
    except PydanticCustomError as exc:
        raise ValidationFailed.field(name, exc.message(), exc.type) from exc


def problem_response(error: PatronageError, instance: str) -> JSONResponse:
    """``error`` as the API answers it: RFC 9457 problem details, with its headers."""
    return JSONResponse(error.problem(instance), status_code=error.status,
                        media_type=PROBLEM_JSON, headers=error.headers)
