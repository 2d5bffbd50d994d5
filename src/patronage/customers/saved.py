"""Each member's directory columns, and saved views (private or shared with the team)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patronage.customers.models import ColumnPreference, SavedView
from patronage.customers.schemas import ColumnsIn, SavedViewIn, SavedViewOut, SavedViewUpdate
from patronage.customers.tables import COLUMNS, DEFAULT_COLUMNS
from patronage.db import utcnow
from patronage.errors import Conflict, FieldError, Forbidden, NotFound
from patronage.tenancy.schemas import Principal


def _preference(session: Session, principal: Principal) -> ColumnPreference:
    pref = session.get(ColumnPreference, (principal.tenant_id, principal.user_id))
    if pref is None:
        pref = ColumnPreference(tenant_id=principal.tenant_id, user_id=principal.user_id)
        session.add(pref)
    return pref


def get_columns(session: Session, principal: Principal) -> list[str]:
    pref = session.get(ColumnPreference, (principal.tenant_id, principal.user_id))
    columns = [c for c in (pref.columns if pref and pref.columns else DEFAULT_COLUMNS)
               if c in COLUMNS]
    return columns or list(DEFAULT_COLUMNS)


def set_columns(session: Session, principal: Principal, data: ColumnsIn | None) -> list[str]:
    """The member's columns (None: back to the defaults)."""
    pref = _preference(session, principal)
    pref.columns = list(data.columns) if data is not None else None
    pref.updated_at = utcnow()
    session.commit()
    return get_columns(session, principal)


def get_page_size(session: Session, principal: Principal) -> int | None:
    pref = session.get(ColumnPreference, (principal.tenant_id, principal.user_id))
    return pref.page_size if pref else None


def set_page_size(session: Session, principal: Principal, size: int) -> None:
    pref = _preference(session, principal)
    if pref.page_size != size:
        pref.page_size = size
        pref.updated_at = utcnow()
        session.commit()


def _out(view: SavedView, principal: Principal) -> SavedViewOut:
    out = SavedViewOut.model_validate(view)
    out.mine = view.user_id == principal.user_id
    return out


def list_views(session: Session, principal: Principal) -> list[SavedViewOut]:
    rows = session.scalars(select(SavedView).where(
        SavedView.tenant_id == principal.tenant_id,
        or_(SavedView.user_id == principal.user_id, SavedView.shared.is_(True)))
        .order_by(SavedView.name, SavedView.id))
    return [_out(v, principal) for v in rows]


def _visible(session: Session, principal: Principal, view_id: int) -> SavedView:
    view = session.scalar(select(SavedView).where(SavedView.tenant_id == principal.tenant_id,
                                                  SavedView.id == view_id))
    if view is None or not (view.shared or view.user_id == principal.user_id):
        raise NotFound(f"No saved view with id {view_id}.")
    return view


def get_view(session: Session, principal: Principal, view_id: int) -> SavedViewOut:
    return _out(_visible(session, principal, view_id), principal)


def _owned(session: Session, principal: Principal, view_id: int) -> SavedView:
    view = _visible(session, principal, view_id)
    if view.user_id != principal.user_id and not principal.is_admin:
        raise Forbidden("Only the member who saved this view (or an admin) may change it.")
    return view


def _commit(session: Session, name: str) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"You already have a view called '{name}'.",
                       errors=[FieldError("/name", "Already used by one of your views.",
                                          "duplicate")]) from exc


def _may_share(principal: Principal, shared: bool | None) -> None:
    if shared and not principal.can_write:
        raise Forbidden("A viewer may save views for themselves only; sharing one with the "
                        "team needs an admin or a sales rep.")


def create_view(session: Session, principal: Principal, data: SavedViewIn) -> SavedViewOut:
    _may_share(principal, data.shared)
    view = SavedView(tenant_id=principal.tenant_id, user_id=principal.user_id,
                     **data.model_dump())
    session.add(view)
    _commit(session, data.name)
    return _out(view, principal)


def update_view(session: Session, principal: Principal, view_id: int,
                data: SavedViewUpdate) -> SavedViewOut:
    view = _owned(session, principal, view_id)
    _may_share(principal, data.shared)
    for key, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(view, key, value)
    _commit(session, view.name)
    return _out(view, principal)


def delete_view(session: Session, principal: Principal, view_id: int) -> None:
    session.delete(_owned(session, principal, view_id))
    session.commit()

