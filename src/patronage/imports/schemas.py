"""The imports API's schemas: a job as the API shows it, and a commit's request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ImportOut(BaseModel):
    id: int
    user_id: int = Field(description="Who ran it: a team member (GET /api/v1/users).")
    file_name: str
    size_bytes: int
    dry_run: bool
    status: str = Field(description="running, done or failed")
    message: str | None
    started_at: datetime
    finished_at: datetime | None
    seconds: float | None
    rows_done: int | None = Field(None, description="Rows read so far, while running.")
    progress: float | None = Field(None, description="0-1 of the file read, while running.")
    stage: str | None = Field(None, description=(
        "While running: reading (rows being converted, checked and matched; the "
        "workspace stays writable), then for a commit waiting (for the database), "
        "rechecking (only when customers of the file changed meanwhile: the file is "
        "checked again) and finishing (writing, the search index, the commit)."))
    rows_per_second: float | None = Field(None, description="While running.")
    seconds_left: float | None = Field(None, description=(
        "While reading: an estimate from the share of the file read so far."))
    encoding: str | None
    delimiter: str | None
    mapping: dict[str, str | None] | None
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[dict[str, Any]] = Field(default_factory=list,
                                         description="Line, column, message and stable code "
                                                     "per problem (the code the API "
                                                     "answers for the same field).")
    rows: list[dict[str, Any]] = Field(default_factory=list, description=(
        "The first 1,000 rows' outcomes (line, outcome, customer_id, fields, errors). In a "
        "dry run, the first 200 rows it would create carry looks_like ({id, score, "
        "reasons}) when they look like an existing customer: marked, not refused."))


class CommitIn(BaseModel):
    mapping: dict[str, str | None] | None = Field(
        None, description="A changed mapping; default: the dry run's.")
