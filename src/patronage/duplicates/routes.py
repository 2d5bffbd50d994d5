"""Duplicates API: the likely pairs of the workspace, dismissing one, and scanning the whole
workspace again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from patronage.customers import service as customer_service
from patronage.customers.schemas import CustomerCreate
from patronage.deps import ApiPrincipal, SessionDep
from patronage.duplicates import kept, scans, service
from patronage.duplicates.models import DuplicatePair, DuplicateScan
from patronage.duplicates.schemas import CheckOut, DismissIn, PairOut, PairPage, ScanOut
from patronage.tenancy.service import require_writer
from patronage.types import MAX_INT

router = APIRouter(prefix="/duplicates", tags=["duplicates"])


def pair_out(pair: DuplicatePair) -> PairOut:
    return PairOut(customers=[pair.low_id, pair.high_id], score=pair.score,
                   reasons=pair.reasons, found_at=pair.found_at)


def scan_out(scan: DuplicateScan) -> ScanOut:
    live = scans.PROGRESS.get(scan.id)
    return ScanOut(
        id=scan.id, status=scan.status, stage=live.stage if live else None,
        progress=min(1.0, live.compared / live.pairs) if live else None,
        customers=live.customers if live else scan.customers,
        compared=live.compared if live else scan.compared, found=scan.found,
        message=scan.message, started_at=scan.started_at, finished_at=scan.finished_at)


@router.get("", response_model=PairPage,
            summary="Likely duplicates, highest score first, with the signals behind each")
def list_pairs(principal: ApiPrincipal, session: SessionDep,
               limit: Annotated[int, Query(ge=1, le=200)] = 50,
               cursor: Annotated[str | None, Query(max_length=200)] = None) -> PairPage:
    found, after = service.page(session, principal.tenant_id, limit, cursor)
    return PairPage(items=[pair_out(p) for p in found], next_cursor=after)


@router.post(":check", response_model=CheckOut,
             summary="The customers a customer about to be added or changed may duplicate "
                     "(nothing is saved)")
def check(data: CustomerCreate, principal: ApiPrincipal, session: SessionDep,
          exclude_id: Annotated[int | None, Query(ge=1, le=MAX_INT, description=(
              "The customer being edited, left out of its own candidates."))] = None
          ) -> CheckOut:
    found = customer_service.likely_duplicates(session, principal.tenant_id,
                                               principal.tenant_region, data.model_dump(),
                                               exclude_id)
    return CheckOut(possible_duplicates=kept.possible(found))


@router.post("/dismiss", status_code=status.HTTP_204_NO_CONTENT,
             summary="Two customers are not one: never propose the pair again while both "
                     "keep their keys")
def dismiss(body: DismissIn, principal: ApiPrincipal, session: SessionDep) -> None:
    require_writer(principal)
    service.dismiss(session, principal, body.customers)


@router.post(":scan", response_model=ScanOut, status_code=status.HTTP_202_ACCEPTED,
             summary="Scan the whole workspace for likely duplicates (a background job)",
             responses={409: {"description": "A scan of the workspace is already running"}})
def scan(principal: ApiPrincipal, session: SessionDep) -> ScanOut:
    require_writer(principal)
    return scan_out(scans.start(session, principal))


@router.get("/scan", response_model=ScanOut,
            summary="The latest scan: its progress while running, then what it found",
            responses={404: {"description": "The workspace has not been scanned yet"}})
def latest_scan(principal: ApiPrincipal, session: SessionDep) -> ScanOut:
    return scan_out(scans.latest(session, principal.tenant_id))
