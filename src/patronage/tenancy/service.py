"""Tenancy rules: creating tenants and users, checking passwords and tokens."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from patronage.db import as_utc, bind_tenant, utcnow, without_waiting
from patronage.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PatronageError,
    Unauthorized,
    ValidationFailed,
    validate_field,
)
from patronage.tenancy import passwords
from patronage.tenancy.models import ROLES, ApiToken, Tenant, User
from patronage.tenancy.schemas import Principal, TenantOut, UserOut
from patronage.types import email_key, normalize_email


@cache
def _hasher() -> PasswordHash:
    """Argon2 at the recommended cost; the test suite, which creates a workspace and its
    admin in nearly every test, uses the cheapest Argon2 instead (the same code path)."""
    from patronage.settings import get_settings

    if get_settings().environment == "test":
        return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    return PasswordHash.recommended()

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
TOKEN_PREFIX = "pat"


def _login_email(raw: str) -> str:
    """Team members sign in by email in any letter case."""
    return email_key(validate_field("email", normalize_email, raw))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def create_tenant(session: Session, *, slug: str, name: str | None = None,
                  default_region: str = "US") -> TenantOut:
    slug = slug.strip().lower()
    if not _SLUG.match(slug):
        raise ValidationFailed.field(
            "slug", "Use 2-40 lower-case letters, digits or hyphens, starting with a letter "
            "or digit.", "invalid_slug")
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict(f"A tenant with slug '{slug}' already exists.")
    tenant = Tenant(slug=slug, name=(name or slug).strip(), default_region=default_region)
    session.add(tenant)
    session.commit()
    return TenantOut.model_validate(tenant)


def get_tenant(session: Session, slug: str) -> TenantOut:
    """The workspace ``slug`` names, ``session`` bound to it from here on (``bind_tenant``):
    how a command line opens the workspace it works in."""
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug.strip().lower()))
    if tenant is None:
        raise NotFound(f"No tenant '{slug}'.")
    bind_tenant(session, tenant.id)
    return TenantOut.model_validate(tenant)


def create_user(session: Session, *, tenant_id: int, email: str, role: str,
                password: str | None, name: str | None = None) -> UserOut:
    if role not in ROLES:
        raise ValidationFailed.field("role", f"Role must be one of {', '.join(ROLES)}.",
                                     "invalid_role")
    email = _login_email(email)
    if password is not None:
        passwords.check(password, email=email, workspace=_slug(session, tenant_id))
    exists = session.scalar(select(User.id).where(User.tenant_id == tenant_id,
                                                  User.email == email))
    if exists is not None:
        raise Conflict(f"{email} is already a member of this tenant.")
    user = User(tenant_id=tenant_id, email=email, role=role,
                name=(name or email.split("@", 1)[0]).strip(),
                password_hash=hash_password(password) if password else None)
    session.add(user)
    session.commit()
    return UserOut.model_validate(user)


def set_password(session: Session, *, tenant_id: int, email: str, password: str) -> None:
    user = _user_by_email(session, tenant_id, _login_email(email))
    passwords.check(password, email=user.email, workspace=_slug(session, tenant_id))
    user.password_hash = hash_password(password)
    user.session_version += 1  # a new password ends every session of the old one
    session.commit()


def set_role(session: Session, *, tenant_id: int, user_id: int, role: str) -> None:
    """Give a member another role; their sessions end (they sign in again as it)."""
    if role not in ROLES:
        raise ValidationFailed.field("role", f"Role must be one of {', '.join(ROLES)}.",
                                     "invalid_role")
    user = session.scalar(select(User).where(User.tenant_id == tenant_id, User.id == user_id))
    if user is None:
        raise NotFound(f"No member with id {user_id}.")
    if user.role != role:
        user.role = role
        user.session_version += 1
    session.commit()


def end_sessions(session: Session, *, tenant_id: int, user_id: int) -> None:
    """End every admin session of a member (sign-out ends them on every device)."""
    session.execute(update(User).where(User.tenant_id == tenant_id, User.id == user_id)
                    .values(session_version=User.session_version + 1))
    session.commit()


def _slug(session: Session, tenant_id: int) -> str:
    return session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id)) or ""


def list_users(session: Session, *, tenant_id: int) -> list[UserOut]:
    rows = session.scalars(select(User).where(User.tenant_id == tenant_id).order_by(User.name))
    return [UserOut.model_validate(u) for u in rows]


def _user_by_email(session: Session, tenant_id: int, email: str) -> User:
    user = session.scalar(select(User).where(User.tenant_id == tenant_id, User.email == email))
    if user is None:
        raise NotFound(f"No user {email} in this tenant.")
    return user


def _principal(tenant: Tenant, user: User) -> Principal:
    return Principal(tenant_id=tenant.id, tenant_slug=tenant.slug,
                     tenant_region=tenant.default_region, user_id=user.id, email=user.email,
                     name=user.name, role=user.role,  # type: ignore[arg-type]
                     session_version=user.session_version)


def authenticate_password(session: Session, *, tenant_slug: str, email: str,
                          password: str) -> Principal:
    """Check a login; every failure reads the same so it reveals nothing."""
    failure = Unauthorized("Workspace, email or password is incorrect.")
    if not _SLUG.match(tenant_slug.strip().lower()):
        _hasher().hash(password)
        raise failure
    tenant = session.scalar(select(Tenant).where(Tenant.slug == tenant_slug.strip().lower()))
    user = None
    if tenant is not None:
        bind_tenant(session, tenant.id)  # its members are read as that tenant's
        try:
            user = _user_by_email(session, tenant.id,
                                  _login_email(email))
        except PatronageError:
            user = None
    if user is None or not user.password_hash or user.deactivated_at is not None:
        _hasher().hash(password)  # spend the same time as a real check
        raise failure
    valid, new_hash = _hasher().verify_and_update(password, user.password_hash)
    if not valid:
        raise failure
    if new_hash:
        user.password_hash = new_hash
    user.last_login_at = utcnow()
    session.commit()
    assert tenant is not None
    return _principal(tenant, user)


def principal_for(session: Session, *, tenant_id: int, user_id: int,
                  removed_too: bool = False) -> Principal | None:
    """The member acting (``removed_too``: even if removed since, for work they started,
    such as events kept in the inbox)."""
    bind_tenant(session, tenant_id)
    query = select(Tenant, User).join(User, User.tenant_id == Tenant.id).where(
        Tenant.id == tenant_id, User.id == user_id)
    if not removed_too:
        query = query.where(User.deactivated_at.is_(None))
    row = session.execute(query).first()
    return _principal(*row) if row else None


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(session: Session, *, tenant_id: int, user_id: int, label: str = "",
              expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Issue a bearer token (committed) and its text; only the secret's hash is stored, so
    the text is shown once."""
    secret = secrets.token_urlsafe(32)
    token = ApiToken(tenant_id=tenant_id, user_id=user_id, token_hash=token_hash(secret),
                     label=label, expires_at=expires_at)
    session.add(token)
    session.commit()
    return token, f"{TOKEN_PREFIX}_{tenant_id}_{secret}"


def create_token(session: Session, *, tenant_id: int, email: str, label: str = "") -> str:
    user = _user_by_email(session, tenant_id, _login_email(email))
    return new_token(session, tenant_id=tenant_id, user_id=user.id, label=label)[1]


def authenticate_token(session: Session, token: str) -> Principal:
    failure = Unauthorized("The bearer token is not valid.")
    prefix, _, rest = token.partition("_")
    tenant_part, _, secret = rest.partition("_")
    if (prefix != TOKEN_PREFIX or not tenant_part.isascii() or not tenant_part.isdigit()
            or len(tenant_part) > 9
            or not secret):
        raise failure
    digest = token_hash(secret)
    bind_tenant(session, int(tenant_part))  # a token is looked for in its own tenant only
    row = session.execute(
        select(ApiToken, Tenant, User)
        .join(Tenant, Tenant.id == ApiToken.tenant_id)
        .join(User, (User.tenant_id == ApiToken.tenant_id) & (User.id == ApiToken.user_id))
        .where(ApiToken.tenant_id == int(tenant_part), ApiToken.token_hash == digest,
               ApiToken.revoked_at.is_(None), User.deactivated_at.is_(None),
               or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()))).first()
    if row is None or not hmac.compare_digest(row[0].token_hash, digest):
        raise failure
    token, now = row[0], utcnow()
    if token.last_used_at is None or now - as_utc(token.last_used_at) > LAST_USED_EVERY:
        token.last_used_at = now  # at most hourly: a write per request would cost the load
        try:
            with without_waiting(session):
                session.commit()
        except OperationalError:  # another writer holds the database: mark it next time
            session.rollback()
    return _principal(row[1], row[2])


LAST_USED_EVERY = timedelta(hours=1)


def require_writer(principal: Principal) -> None:
    if not principal.can_write:
        raise Forbidden(f"The {principal.role} role cannot change data.")


def require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden(f"Only admins may do this; you are a {principal.role}.")
