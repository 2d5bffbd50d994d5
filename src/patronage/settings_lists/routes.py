"""REST endpoints for every tenant-defined list, generated from the registry."""


from typing import Any

from fastapi import APIRouter, Response, status

from patronage.deps import ApiPrincipal, IdPath, SessionDep
from patronage.settings_lists import service
from patronage.settings_lists.kinds import KINDS, ListKind
from patronage.tenancy.service import require_admin

router = APIRouter(prefix="/settings", tags=["settings"])


def _register(kind: ListKind) -> None:
    create_model: Any = kind.create
    update_model: Any = kind.update
    path = f"/{kind.slug}"

    def list_items(principal: ApiPrincipal, session: SessionDep) -> list[Any]:
        return service.list_items(session, kind, tenant_id=principal.tenant_id)

    def create_item(data: create_model, principal: ApiPrincipal,  # type: ignore[valid-type]
                    session: SessionDep) -> Any:
        require_admin(principal)
        return service.create_item(session, kind, tenant_id=principal.tenant_id, data=data)

    def get_item(item_id: IdPath, principal: ApiPrincipal, session: SessionDep) -> Any:
        return service.get_item(session, kind, tenant_id=principal.tenant_id, item_id=item_id)

    def update_item(item_id: IdPath, data: update_model,  # type: ignore[valid-type]
                    principal: ApiPrincipal, session: SessionDep) -> Any:
        require_admin(principal)
        return service.update_item(session, kind, tenant_id=principal.tenant_id,
                                   item_id=item_id, data=data)

    def delete_item(item_id: IdPath, principal: ApiPrincipal, session: SessionDep) -> Response:
        require_admin(principal)
        service.delete_item(session, kind, tenant_id=principal.tenant_id, item_id=item_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    name = kind.slug.replace("-", "_")
    router.add_api_route(path, list_items, methods=["GET"], response_model=list[kind.out],
                         name=f"list_{name}", summary=f"List {kind.label.lower()}")
    router.add_api_route(path, create_item, methods=["POST"], response_model=kind.out,
                         status_code=201, name=f"create_{name}",
                         summary=f"Add a {kind.singular} (admins)")
    router.add_api_route(f"{path}/{{item_id}}", get_item, methods=["GET"],
                         response_model=kind.out, name=f"get_{name}",
                         summary=f"Read a {kind.singular}")
    router.add_api_route(f"{path}/{{item_id}}", update_item, methods=["PATCH"],
                         response_model=kind.out, name=f"update_{name}",
                         summary=f"Change a {kind.singular} (admins)")
    router.add_api_route(f"{path}/{{item_id}}", delete_item, methods=["DELETE"],
                         status_code=204, name=f"delete_{name}",
                         summary=f"Delete an unused {kind.singular} (admins)")


for _kind in KINDS.values():
    _register(_kind)
