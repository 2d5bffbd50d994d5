"""Merge API: merge customers into a survivor, read a merge, undo it within 30 days."""

from __future__ import annotations

from fastapi import APIRouter

from patronage.customers import queries
from patronage.deps import ApiPrincipal, IdPath, SessionDep
from patronage.errors import ValidationFailed
from patronage.merges import service
from patronage.merges.codes import MergeCode
from patronage.merges.models import Merge
from patronage.merges.schemas import MergedCustomer, MergeIn, MergeOut, UndoOut
from patronage.tenancy.service import require_writer

router = APIRouter(tags=["merges"])


def merge_out(m: Merge) -> MergeOut:
    return MergeOut(id=m.id, survivor_id=m.survivor_id, merged_ids=m.merged_ids,
                    merged_at=m.merged_at, actor=m.actor, moved=m.moved,
                    undo_until=service.undo_until(m), undone_at=m.undone_at,
                    undone_by=m.undone_by)


def _versions(raw: dict[str, int]) -> dict[int, int]:
    if not all(k.isascii() and k.isdigit() and len(k) <= 10 for k in raw):
        raise ValidationFailed.field("versions", "Name each customer by its id.",
                                     MergeCode.INVALID_MERGE)
    return {int(k): v for k, v in raw.items()}


@router.post("/customers/{customer_id}/merge", response_model=MergedCustomer,
             summary="Merge customers into this one: their history moves here, undoable "
                     "for 30 days",
             responses={410: {"description": "The customer was itself merged into another"},
                        412: {"description": "A customer changed since the versions sent"}})
def merge(customer_id: IdPath, body: MergeIn, principal: ApiPrincipal,
          session: SessionDep) -> MergedCustomer:
    require_writer(principal)
    merge_id = service.merge(session, principal, customer_id, body.duplicate_ids, body.keep,
                             _versions(body.versions))
    (survivor,) = queries.read_many(session, principal.tenant_id, [customer_id])
    return MergedCustomer(**survivor.model_dump(), merge_id=merge_id)


@router.get("/merges/{merge_id}", response_model=MergeOut, summary="A merge, and until when "
            "it can be undone")
def get_merge(merge_id: IdPath, principal: ApiPrincipal, session: SessionDep) -> MergeOut:
    return merge_out(service.get(session, principal.tenant_id, merge_id))


@router.post("/merges/{merge_id}:undo", response_model=UndoOut,
             summary="Undo a merge: the merged customers come back with their own fields "
                     "and history",
             responses={409: {"description": "Undone already, older than 30 days, or a "
                                             "merged key is another customer's now"}})
def undo(merge_id: IdPath, principal: ApiPrincipal, session: SessionDep) -> UndoOut:
    require_writer(principal)
    m = service.undo(session, principal, merge_id)
    found = queries.read_many(session, principal.tenant_id, [m.survivor_id, *m.merged_ids])
    return UndoOut(merge=merge_out(m), survivor=found[0], restored=found[1:])
