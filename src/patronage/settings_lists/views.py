"""Admin page listing the tenant-defined lists and the team."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from patronage import web
from patronage.deps import SessionDep
from patronage.settings_lists import service
from patronage.settings_lists.kinds import KINDS
from patronage.tenancy import service as tenancy

router = APIRouter()


@router.get("/settings")
def settings_page(request: Request, member: web.Member, session: SessionDep) -> Response:
    lists = [(kind, service.list_items(session, kind, tenant_id=member.tenant_id))
             for kind in KINDS.values()]
    return web.render(request, "settings/index.html", {
        "principal": member, "lists": lists,
        "users": tenancy.list_users(session, tenant_id=member.tenant_id)})
