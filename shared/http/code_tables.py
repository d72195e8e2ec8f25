"""`GET {prefix}/code-tables`: the labels of shared/i18n/code_tables.py, to any signed-in caller."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from shared.http.auth import Principal, authenticate
from shared.i18n import catalogue_of, locale_of
from shared.i18n.code_tables import CodeTables, labels


def code_table_router(prefix: str, tables: CodeTables) -> APIRouter:
    """`GET {prefix}/code-tables`: the service's code tables in the caller's language."""
    router = APIRouter(prefix=prefix, tags=["code tables"])

    @router.get("/code-tables", response_model=dict[str, dict[str, str]])
    async def code_tables(
        request: Request, _: Annotated[Principal, Depends(authenticate)]
    ) -> dict[str, dict[str, str]]:
        """Every enum this service shows, value → label (Chinese; English on request)."""
        return labels(catalogue_of(request.scope), locale_of(request.scope), tables)

    return router
