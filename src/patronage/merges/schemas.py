"""The merge API's schemas: a merge asked for, as made, and undone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from patronage.customers.schemas import CustomerOut
from patronage.merges.plan import KEPT
from patronage.types import MAX_INT

CustomerId = Annotated[int, Field(ge=1, le=MAX_INT)]
Version = Annotated[int, Field(ge=1, le=MAX_INT)]


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duplicate_ids: list[CustomerId] = Field(min_length=1, max_length=20, description=(
        "The customers merged into the survivor (the one in the path), each once."))
    keep: dict[str, CustomerId] = Field(default_factory=dict, max_length=len(KEPT),
                                        description=(
        "Field -> the customer whose value the survivor keeps. Unnamed fields keep the most "
        "recent non-empty value (the survivor's for its license number, external id, email "
        "and phone; an address, a license and a name each from one customer). Fields: "
        + ", ".join(KEPT) + "."))
    versions: dict[str, Version] = Field(default_factory=dict, max_length=21, description=(
        "Optional: customer id -> the version you read (its ETag); a customer changed since "
        "refuses the merge (412)."))


class MergeOut(BaseModel):
    id: int
    survivor_id: int
    merged_ids: list[int]
    merged_at: datetime
    actor: str = Field(description="Who merged them.")
    moved: dict[str, int] = Field(description=(
        "What moved to the survivor: orders, order_lines, samples, activities, "
        "audit_entries, tags, stores, import_fingerprints, saved_views."))
    undo_until: datetime = Field(description="The merge can be undone until then.")
    undone_at: datetime | None
    undone_by: str | None


class MergedCustomer(CustomerOut):
    """The survivor of a merge, as it is after it."""

    merge_id: int = Field(description="Undo with POST /api/v1/merges/{merge_id}:undo within "
                                      "30 days.")


class UndoOut(BaseModel):
    merge: MergeOut
    survivor: CustomerOut
    restored: list[CustomerOut] = Field(description="The merged customers, back as they were.")
