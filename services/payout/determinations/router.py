"""HTTP routes of determinations: trial, a person's determinations, review, old standard, 调待."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from services.payout.determinations import lifecycle, service, takeover
from services.payout.determinations.schemas import (
    AdjustmentIn,
    CorrectionIn,
    DeterminationOut,
    OldMethodIn,
    RederivationIn,
    RederivationOut,
    RedeterminationIn,
    RedetermineIn,
    ReviewIn,
    StaleDetermination,
    TakeOverIn,
    TrialIn,
    TrialOut,
    UndeterminedOut,
    UndeterminedRetiree,
)
from shared.data.clock import agency_today
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import MAX_OFFSET, Limit, Offset, Page, page_of

router = APIRouter(prefix="/v1/payout", tags=["determinations"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Clerk = Annotated[Principal, Depends(require_roles("clerk"))]
# 审核, 复核 and 退回 are business decisions: a clerk, and admin alone is not enough.
Reviewer = Annotated[Principal, Depends(require_business_role("clerk"))]


@router.post("/determinations/trial", response_model=TrialOut)
async def trial(body: TrialIn, read: Read, _: Reader) -> TrialOut:
    """待遇测算: the monthly figures for these inputs (writes nothing)."""
    return await service.trial(read.session, body, agency_today())


@router.get("/determinations", response_model=Page[DeterminationOut], responses=DOWNLOAD_RESPONSES)
async def list_determinations(
    read: Read,
    _: Reader,
    download: Download,
    status: Literal[
        "awaiting_old_method", "pending", "checked", "approved", "returned", "superseded"
    ]
    | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[DeterminationOut] | Response:
    """Determinations by status (the review queue), oldest first."""
    if download:
        return await download.pages(
            lambda limit, offset: service.listing(read.session, status, limit, offset),
            DeterminationOut,
            "待遇核定",
        )
    return await service.listing(read.session, status, limit, offset)


@router.get("/determinations/{determination_id}", response_model=DeterminationOut)
async def get_determination(determination_id: uuid.UUID, read: Read, _: Reader) -> DeterminationOut:
    """One determination with its inputs, parameter versions and components."""
    return await service.get(read.session, determination_id)


@router.get(
    "/retirees/{person_id}/determinations",
    response_model=Page[DeterminationOut],
    responses=DOWNLOAD_RESPONSES,
)
async def person_determinations(
    person_id: uuid.UUID,
    read: Read,
    _: Reader,
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[DeterminationOut] | Response:
    """A retiree's determinations, oldest first (history is never edited)."""
    found = await service.of_person(read.session, person_id)
    if download:
        return await download.rows(found, DeterminationOut, "待遇核定")
    return page_of(found, limit, offset)


@router.post("/determinations/{determination_id}/check", response_model=DeterminationOut)
async def check(
    determination_id: uuid.UUID,
    write: Write,
    _: Reviewer,
    body: ReviewIn | None = None,
) -> DeterminationOut:
    """审核: the first review step."""
    return await service.review(write, determination_id, "check", body)


@router.post("/determinations/{determination_id}/approve", response_model=DeterminationOut)
async def approve(
    determination_id: uuid.UUID,
    write: Write,
    _: Reviewer,
    body: ReviewIn | None = None,
) -> DeterminationOut:
    """复核: the second review step, by a clerk other than the checker and the maker (403
    four_eyes_required) – admin alone never approves (403 approver_role_required)."""
    return await service.review(write, determination_id, "approve", body)


@router.post("/determinations/{determination_id}/return", response_model=DeterminationOut)
async def return_determination(
    determination_id: uuid.UUID,
    write: Write,
    _: Reviewer,
    body: ReviewIn | None = None,
) -> DeterminationOut:
    """退回: send a determination back; a corrected one is made anew."""
    return await service.review(write, determination_id, "return", body)


@router.post(
    "/determinations/{determination_id}/old-method",
    status_code=201,
    response_model=DeterminationOut,
    dependencies=[KEY_REQUIRED],
)
async def enter_old_method(
    determination_id: uuid.UUID, body: OldMethodIn, write: Write, _: Clerk
) -> JSONResponse:
    """Enter the old-method standard of a transition-period retirement (保低限高)."""
    return await write.answer(service.enter_old_method(write, determination_id, body))


@router.post(
    "/retirees/{person_id}/adjustments",
    status_code=201,
    response_model=DeterminationOut,
    dependencies=[KEY_REQUIRED],
)
async def adjust(person_id: uuid.UUID, body: AdjustmentIn, write: Write, _: Clerk) -> JSONResponse:
    """调待: a new determination from an effective month, to be reviewed like any other."""
    return await write.answer(service.adjust(write, person_id, body))


@router.post(
    "/determinations/{determination_id}/corrections",
    status_code=201,
    response_model=DeterminationOut,
    dependencies=[KEY_REQUIRED],
)
async def correct(
    determination_id: uuid.UUID, body: CorrectionIn, write: Write, _: Clerk
) -> JSONResponse:
    """更正重算: a new determination from corrected inputs, reviewed like any other."""
    return await write.answer(service.correct(write, determination_id, body))


@router.get(
    "/undetermined-retirements", response_model=Page[UndeterminedOut], responses=DOWNLOAD_RESPONSES
)
async def undetermined_retirements(
    read: Read,
    _: Reader,
    download: Download,
    resolved: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[UndeterminedOut] | Response:
    """Retirements recorded without a determination (an age outside the 计发月数 table, a
    parameter not in force, no index), oldest first: a clerk's work list."""
    if download:
        return await download.pages(
            lambda limit, offset: service.undetermined(read.session, resolved, limit, offset),
            UndeterminedOut,
            "未核定退休",
        )
    return await service.undetermined(read.session, resolved, limit, offset)


@router.post(
    "/retirees/{person_id}/initial-determination",
    status_code=201,
    response_model=DeterminationOut,
    dependencies=[KEY_REQUIRED],
)
async def determine_again(
    person_id: uuid.UUID, body: RedetermineIn, write: Write, _: Clerk
) -> JSONResponse:
    """Make the initial determination of an undetermined retirement once the parameter is
    added or the index entered (409 naming what is still missing); reviewed like any other.
    With an input of the retirement record to correct: POST .../redeterminations."""
    return await write.answer(service.determine_again(write, person_id, body))


@router.post(
    "/retirees/{person_id}/redeterminations",
    status_code=201,
    response_model=DeterminationOut,
    dependencies=[KEY_REQUIRED],
)
async def redetermine(
    person_id: uuid.UUID, body: RedeterminationIn, write: Write, _: Clerk
) -> JSONResponse:
    """再核定: a retiree with no approved determination (returned, or never made) gets a new
    one from the retirement record with corrected inputs, reviewed like any other; it
    resolves the retirement's undetermined record, if any."""
    return await write.answer(lifecycle.redetermine(write, person_id, body))


@router.get(
    "/retirees-without-determination",
    response_model=Page[UndeterminedRetiree],
    responses=DOWNLOAD_RESPONSES,
)
async def without_determination(
    read: Read,
    _: Reader,
    download: Download,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[UndeterminedRetiree] | Response:
    """Retirees paid nothing (no approved determination), each with its way forward."""
    if download:
        return await download.pages(
            lambda limit, offset: lifecycle.undetermined(read.session, limit, offset),
            UndeterminedRetiree,
            "无核定退休人员",
        )
    return await lifecycle.undetermined(read.session, limit, offset)


@router.get(
    "/parameter-rederivations",
    response_model=Page[StaleDetermination],
    responses=DOWNLOAD_RESPONSES,
)
async def stale_determinations(
    read: Read,
    _: Reader,
    download: Download,
    limit: Limit = 50,
    offset: Offset = 0,
    parameter_id: Annotated[int | None, Query(ge=1, le=MAX_OFFSET)] = None,
) -> Page[StaleDetermination] | Response:
    """Retirees paid on a parameter version since corrected or replaced for their retirement
    date (计发基数, transition coefficient, 计发月数, 保低限高), to re-derive; `parameter_id`:
    those a new version (`POST /parameters`'s id) changes."""
    if download:
        return await download.pages(
            lambda limit, offset: lifecycle.stale(read.session, limit, offset, parameter_id),
            StaleDetermination,
            "待重算核定",
        )
    return await lifecycle.stale(read.session, limit, offset, parameter_id)


@router.post(
    "/parameter-rederivations", response_model=RederivationOut, dependencies=[KEY_REQUIRED]
)
async def rederive(body: RederivationIn, write: Write, _: Clerk) -> JSONResponse:
    """Re-derive one batch (`limit`) of those determinations: new recalculations, reviewed
    like any other; call again until `remaining` is 0."""
    return await write.answer(lifecycle.rederive(write, body), status=200)


@router.get(
    "/provisional-determinations",
    response_model=Page[DeterminationOut],
    responses=DOWNLOAD_RESPONSES,
)
async def provisional(
    read: Read,
    _: Reader,
    download: Download,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[DeterminationOut] | Response:
    """预发: retirees paid on a provisional determination, to settle by a final one."""
    if download:
        return await download.pages(
            lambda limit, offset: lifecycle.provisional(read.session, limit, offset),
            DeterminationOut,
            "预核定",
        )
    return await lifecycle.provisional(read.session, limit, offset)


@router.post(
    "/taken-over-retirees",
    status_code=201,
    response_model=DeterminationOut,
    dependencies=[KEY_REQUIRED],
)
async def take_over(body: TakeOverIn, write: Write, _: Clerk) -> JSONResponse:
    """接管: a retiree paid before the system, with the amount in force and its components as
    known (a taken-over determination, reviewed like any other; 调待 apply)."""
    return await write.answer(takeover.take_over_retiree(write, body))
