"""HTTP routes for the death notices a clerk resolves (outside /sync/: the province never
reaches them)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from services.enrollment.death_notice_issues import service
from services.enrollment.death_notice_issues.schemas import (
    IssueOut,
    IssueReason,
    IssueStatus,
    ResolveIn,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page

router = APIRouter(
    prefix="/v1/enrollment", tags=["death notice issues"], responses=PROBLEM_RESPONSES
)
IssueId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/death-notice-issues", response_model=Page[IssueOut], responses=DOWNLOAD_RESPONSES)
async def list_death_notice_issues(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    status: IssueStatus | None = None,
    reason: IssueReason | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[IssueOut] | Response:
    """The province's death notices not applied as they came (查无此人, 日期不一致, 未来日期…),
    newest first; `status=open` lists those waiting for a clerk."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_issues(read.session, status, reason, limit, offset),
            IssueOut,
            "死亡比对待处理",
        )
    return await service.list_issues(read.session, status, reason, limit, offset)


@router.post("/death-notice-issues/{issue_id}/resolve", response_model=IssueOut)
async def resolve_death_notice_issue(
    issue_id: IssueId,
    body: ResolveIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("clerk"))],
) -> IssueOut:
    """Resolve a notice once (again: 409): `record_death` enters a death report that another
    clerk approves (POST /death-reports/{id}/approve); `dismiss` closes it with the reason."""
    return await service.resolve(write, issue_id, body)
