from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from patronage.types import Email, Id, Instant, PlainText

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


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=200), PlainText]
    role: Role


class MemberCreated(UserOut):
    password: str = Field(description="A generated password, shown this once: hand it to "
                                      "the member, who changes it.")


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=100), PlainText]
    user_id: Id | None = Field(None, description="Whose token (default: yours).")
    expires_at: Instant | None = Field(None, description="Stops working then (default: "
                                                         "never, until revoked).")


class TokenOut(BaseModel):
    id: int
    name: str
    user_id: int
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret, shown this once; only its hash is kept.")
