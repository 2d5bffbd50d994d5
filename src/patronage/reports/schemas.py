"""The sales report as the API answers it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class SalesRepRow(BaseModel):
    sales_rep_id: int | None = Field(description="The member credited; null for Unassigned "
                                     "(and for the total).")
    name: str
    customers: int = Field(description="Customers assigned to them now.")
    active_customers: int = Field(description="Customers who ordered in the range.")
    orders: int = Field(description="Orders placed in the range, cancelled ones left out.")
    revenue: Decimal
    average_order: Decimal
    new_customers: int = Field(description="Customers whose first order is in the range.")
    samples: int


class SalesRepReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    rows: list[SalesRepRow]
    total: SalesRepRow
