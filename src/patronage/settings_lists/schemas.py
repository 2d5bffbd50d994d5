from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from patronage.types import PlainText

ListName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                     PlainText]
Colour = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                          pattern=r"^#[0-9a-fA-F]{6}$")]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60),
                     PlainText]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                        pattern=r"^[A-Za-z0-9_-]+$")]
Position = Annotated[int, Field(ge=0, le=10_000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    position: int


class StatusCreate(_In):
    name: ListName
    colour: Colour = "#64748b"
    position: Position | None = None  # None: after the others


class StatusUpdate(_In):
    name: ListName | None = None
    colour: Colour | None = None
    position: Position | None = None


class StatusOut(_Out):
    colour: str


class PaymentTermCreate(_In):
    name: ListName
    days: Annotated[int, Field(ge=0, le=365)] | None = None
    position: Position | None = None  # None: after the others


class PaymentTermUpdate(_In):
    name: ListName | None = None
    days: Annotated[int, Field(ge=0, le=365)] | None = None
    position: Position | None = None


class PaymentTermOut(_Out):
    days: int | None


class LicenseTypeCreate(_In):
    name: ListName
    product_categories: list[Category] = Field(default_factory=list, max_length=100)
    position: Position | None = None  # None: after the others


class LicenseTypeUpdate(_In):
    name: ListName | None = None
    product_categories: list[Category] | None = Field(default=None, max_length=100)
    position: Position | None = None


class LicenseTypeOut(_Out):
    product_categories: list[str]


class StoreCreate(_In):
    name: ListName
    code: Code
    position: Position | None = None  # None: after the others


class StoreUpdate(_In):
    name: ListName | None = None
    code: Code | None = None
    position: Position | None = None


class StoreOut(_Out):
    code: str

