"""The duplicates API's schemas: a likely pair, a page of them, a dismissal, a scan."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from patronage.customers.schemas import PossibleDuplicate
from patronage.types import MAX_INT

CustomerId = Annotated[int, Field(ge=1, le=MAX_INT)]


class PairOut(BaseModel):
    customers: list[int] = Field(description="The two customers' ids, lower first.")
    score: float = Field(description="How likely the two are one customer, 0-1.")
    reasons: list[str] = Field(description="The signals behind the score, strongest first "
                                           "(\"same phone\", \"company names 92 % alike\").")
    found_at: datetime


class PairPage(BaseModel):
    items: list[PairOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on "
                                                "the last.")


class CheckOut(BaseModel):
    possible_duplicates: list[PossibleDuplicate] = Field(description=(
        "The customers it may duplicate, most likely first."))


class DismissIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customers: list[CustomerId] = Field(min_length=2, max_length=2, description=(
        "Two customers that are not one: the pair is not proposed again while both keep "
        "their license, external id, email and phone."))


class ScanOut(BaseModel):
    id: int
    status: str = Field(description="running, done or failed")
    stage: str | None = Field(None, description=(
        "While running: reading (the workspace's customers), comparing (customers sharing "
        "a key), saving (the list, replaced in one short write)."))
    progress: float | None = Field(None, description="0-1 of the pairs compared, while "
                                                     "comparing.")
    customers: int | None = Field(description="Customers read.")
    compared: int | None = Field(description="Pairs of customers compared.")
    found: int | None = Field(description="Likely duplicates listed.")
    message: str | None = Field(description="Why it failed.")
    started_at: datetime
    finished_at: datetime | None

