"""One unit of work: a transaction, who acts in it, the request it serves, and its audit entries.

Routes get it from `shared.http.dependencies.Write` (a `WriteContext`, which adds the caller's
token and the idempotency claim), job steps from `JobContext.step()`, and any other background
code from `unit_of_work(...)`. Service functions take the `Work` and never a bare session,
caller and request id side by side, so an audit entry cannot be written with the wrong actor
or outside the change's transaction.
"""

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.data.audit import audit_row, record_audits


class Actor(Protocol):
    """Whoever acts: a token's principal, or the system on its own behalf."""

    @property
    def subject(self) -> str: ...

    @property
    def roles(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class SystemActor:
    """The system acting on its own (scheduler, event consumer), or for a job's starter."""

    subject: str = "system"
    roles: frozenset[str] = field(default_factory=frozenset)


SYSTEM = SystemActor()


class Work:
    """The session of one transaction, who acts in it and the request it serves."""

    def __init__(
        self,
        session: AsyncSession,
        schema: str,
        actor: Actor = SYSTEM,
        request_id: str | None = None,
    ) -> None:
        self.session = session
        self.schema = schema
        self.actor = actor
        self.request_id = request_id

    def by(self, actor: Actor) -> "Work":
        """This transaction and request with another actor: the system's own part of a
        caller's change (a bank's results settling the ledger, a death stopping payments)."""
        return Work(self.session, self.schema, actor, self.request_id)

    def audit_entry(
        self,
        action: str,
        object_type: str,
        object_id: Any,
        *,
        detail: Mapping[str, Any] | None = None,
        changes: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """One audit row by this actor for this request, for `audit_many`."""
        return audit_row(
            actor=self.actor.subject,
            roles=self.actor.roles,
            action=action,
            object_type=object_type,
            object_id=object_id,
            request_id=self.request_id,
            detail=detail,
            changes=changes,
        )

    async def audit(
        self,
        action: str,
        object_type: str,
        object_id: Any,
        *,
        detail: Mapping[str, Any] | None = None,
        changes: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Append one audit entry in this transaction: it exists exactly when the change does.

        `changes` is what `shared.data.audit.changed_fields(before, after, fields)` gives.
        """
        entry = self.audit_entry(action, object_type, object_id, detail=detail, changes=changes)
        await record_audits(self.session, self.schema, [entry])

    async def audit_many(self, entries: Sequence[dict[str, Any]]) -> None:
        """Append many entries (from `audit_entry`) in one statement (imports, batches)."""
        await record_audits(self.session, self.schema, entries)


@asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
    schema: str,
    actor: Actor = SYSTEM,
    request_id: str | None = None,
) -> AsyncIterator[Work]:
    """One transaction of background work: commit if the block succeeds, roll back if it raises."""
    async with sessions() as session, session.begin():
        yield Work(session, schema, actor, request_id)
