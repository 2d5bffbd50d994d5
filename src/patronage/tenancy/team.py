"""A workspace's members and API tokens, as its admins manage them: add a member with a
role (and a one-time password), change a role, deactivate a member (their sessions and
tokens stop at once, their name stays on history; a workspace keeps at least one admin);
issue a token (its secret shown once), list them, revoke one."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from patronage.db import utcnow
from patronage.errors import Conflict, NotFound, ValidationFailed
from patronage.tenancy import service
from patronage.tenancy.models import ApiToken, User
from patronage.tenancy.schemas import (
    MemberCreated,
    MemberIn,
    Principal,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserOut,
)


def _member(session: Session, tenant_id: int, user_id: int) -> User:
    user = session.scalar(select(User).where(User.tenant_id == tenant_id, User.id == user_id,
                                             User.deactivated_at.is_(None)))
    if user is None:
        raise NotFound(f"No member with id {user_id}.")
    return user


def _keep_an_admin(session: Session, tenant_id: int, leaving: User) -> None:
    admins = session.scalar(select(func.count()).select_from(User).where(
        User.tenant_id == tenant_id, User.role == "admin", User.deactivated_at.is_(None)))
    if leaving.role == "admin" and (admins or 0) <= 1:
        raise Conflict("A workspace keeps at least one admin: make another member admin "
                       "first.")


def add_member(session: Session, admin: Principal, data: MemberIn) -> MemberCreated:
    password = service.generate_password()
    user = service.create_user(session, tenant_id=admin.tenant_id, email=data.email,
                               role=data.role, password=password, name=data.name)
    return MemberCreated(**user.model_dump(), password=password)


def change_role(session: Session, admin: Principal, user_id: int, role: str) -> UserOut:
    user = _member(session, admin.tenant_id, user_id)
    if role != "admin":
        _keep_an_admin(session, admin.tenant_id, user)
    service.set_role(session, tenant_id=admin.tenant_id, user_id=user_id, role=role)
    return UserOut.model_validate(_member(session, admin.tenant_id, user_id))


def deactivate(session: Session, admin: Principal, user_id: int) -> None:
    user = _member(session, admin.tenant_id, user_id)
    _keep_an_admin(session, admin.tenant_id, user)
    now = utcnow()
    user.deactivated_at = now
    user.session_version += 1
    session.execute(update(ApiToken).where(ApiToken.tenant_id == admin.tenant_id,
                                           ApiToken.user_id == user_id,
                                           ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now))
    session.commit()


def issue_token(session: Session, admin: Principal, data: TokenIn) -> TokenCreated:
    owner = _member(session, admin.tenant_id, data.user_id or admin.user_id)
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise ValidationFailed.field("expires_at", "The expiry must be in the future.",
                                     "expiry_in_the_past")
    token, text = service.new_token(session, tenant_id=admin.tenant_id, user_id=owner.id,
                                    label=data.name, expires_at=data.expires_at)
    return TokenCreated(**_out(token).model_dump(), token=text)


def _out(token: ApiToken) -> TokenOut:
    return TokenOut(id=token.id, name=token.label, user_id=token.user_id,
                    created_at=token.created_at, last_used_at=token.last_used_at,
                    expires_at=token.expires_at, revoked_at=token.revoked_at)


def list_tokens(session: Session, admin: Principal) -> list[TokenOut]:
    return [_out(t) for t in session.scalars(
        select(ApiToken).where(ApiToken.tenant_id == admin.tenant_id)
        .order_by(ApiToken.id.desc()))]


def revoke_token(session: Session, admin: Principal, token_id: int) -> None:
    token = session.scalar(select(ApiToken).where(ApiToken.tenant_id == admin.tenant_id,
                                                  ApiToken.id == token_id))
    if token is None:
        raise NotFound(f"No token with id {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.commit()


def members(session: Session, tenant_id: int) -> list[User]:
    """Every member, the active first (by name), then the deactivated."""
    return list(session.scalars(select(User).where(User.tenant_id == tenant_id)
                                .order_by(User.deactivated_at.is_not(None), User.name)))
