from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Role = Literal["admin", "sales_rep", "viewer"]


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    slug: str
    name: str
    default_region: str


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    name: str
    role: Role


class Me(BaseModel):
    """Who a token or session acts as, as the API shows it."""

    model_config = ConfigDict(frozen=True)
    tenant_id: int
    tenant_slug: str
    tenant_region: str
    user_id: int
    email: str
    name: str
    role: Role


class Principal(Me):
    """Who is acting: the authenticated user within their tenant."""

    session_version: int = 1  # of their admin sessions (tenancy.sessions)

    @property
    def can_write(self) -> bool:
        return self.role in ("admin", "sales_rep")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
