"""The province's check batches applied set-wise: the batch's retirees, rule and listings are
read once, each item is decided in memory (refused before anything is written), and the
accepted items are written together in a few statements once every item is decided."""

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.certification import repository as certifications
from services.payout.certification import service as certification
from services.payout.certification.schemas import CertificationIn, Method
from services.payout.models import Certification, DuplicateReceipt, Retiree
from services.payout.parameters.schemas import Certification as CertificationRule
from services.payout.province import repository
from services.payout.province.schemas import CertificationItem, DuplicateItem
from services.payout.province.service import listing_detail, retiree_detail
from services.payout.subsidies import service as subsidies
from shared.data.work import SystemActor, Work
from shared.http.auth import Principal
from shared.http.inbound import InboundBatch, InboundResult, Outcome
from shared.problems import ProblemError

Drawing = tuple[uuid.UUID, str, str]  # person, other area, benefit kind


def citizen_ids(batch: InboundBatch) -> list[str]:
    """The citizen ids the batch's items name (before they are parsed one by one)."""
    return sorted(
        {
            raw["citizen_id"].upper()
            for raw in batch.items
            if isinstance(raw, dict) and isinstance(raw.get("citizen_id"), str)
        }
    )


async def retirees(session: AsyncSession, batch: InboundBatch) -> dict[str, Retiree]:
    """The batch's retirees by citizen id, locked in person order, detached: the items
    change them in memory as they are decided, and the writes say what changes."""
    found = await repository.lock_by_citizen_ids(session, citizen_ids(batch))
    for retiree in found.values():
        session.expunge(retiree)
    return found


def known(found: dict[str, Retiree], citizen_id: str, message_id: str) -> Retiree:
    """The retiree the province names; refused when the agency pays no such person."""
    retiree = found.get(citizen_id.upper())
    if retiree is None:
        raise ProblemError(422, "citizen_id_unknown", field="citizen_id", message_id=message_id)
    return retiree


@dataclass
class Certifications:
    """A batch of data-match certifications, each as a clerk's certification would be."""

    session: AsyncSession
    batch: InboundBatch
    today: date
    found: dict[str, Retiree] = field(default_factory=dict)
    rule: CertificationRule | None = None  # read with the retirees, at the first new item
    held: set[uuid.UUID] = field(default_factory=set)  # retirees a listing holds
    rows: list[Certification] = field(default_factory=list)
    latest: dict[uuid.UUID, tuple[date, bool]] = field(default_factory=dict)

    async def _load(self) -> CertificationRule:
        """The batch's retirees, the rule and the holds, once (a replay reads none)."""
        if self.rule is None:
            self.found = await retirees(self.session, self.batch)
            self.rule, _ = await certification.rule_on(self.session, self.today)
            self.held = await certifications.held_for_duplicates(
                self.session, [r.person_id for r in self.found.values()]
            )
        return self.rule

    async def decide(self, item: CertificationItem, who: Principal) -> Outcome:
        """Check one item and keep its certification; a later item of the same retiree in
        the batch sees this one as recorded."""
        rule, today = await self._load(), self.today
        retiree = known(self.found, item.citizen_id, item.message_id)
        body = CertificationIn(
            method=Method(item.method.value),
            certified_on=item.certified_on,
            out_of_province=(
                retiree.out_of_province if item.out_of_province is None else item.out_of_province
            ),
            note=f"province message {item.message_id}",
        )
        latest, resume = certification.assess(retiree, body, rule, today)
        resume = resume and retiree.person_id not in self.held
        row = certification.certification_of(retiree.person_id, body, who, resume)
        self.rows.append(row)
        if latest:
            retiree.last_certified_on = body.certified_on
            retiree.out_of_province = body.out_of_province
            self.latest[retiree.person_id] = (body.certified_on, body.out_of_province)
        if resume:
            detail = "survival recorded; the resumption waits for a clerk's approval"
        elif retiree.status == "suspended":
            detail = "survival recorded; payment stays held (see the retiree's holds)"
        else:
            detail = "survival recorded"
        return Outcome(InboundResult.applied, record_id=str(row.id), detail=detail)

    async def write(self, work: Work) -> None:
        """The certifications, the retirees' latest survival and residence, the audit."""
        if not self.rows:
            return
        work.session.add_all(self.rows)
        await work.session.flush()
        await certifications.record_latest(work.session, self.latest)
        await work.audit_many(
            [e for row in self.rows for e in certification.certified_audit(work, row)]
        )


@dataclass
class Duplicates:
    """A batch of duplicate receipts: each drawing listed once, active retirees held."""

    session: AsyncSession
    batch: InboundBatch
    found: dict[str, Retiree] | None = None  # read at the first new item (a replay reads none)
    holding: dict[Drawing, uuid.UUID] = field(default_factory=dict)  # listings holding pay
    rows: list[DuplicateReceipt] = field(default_factory=list)

    async def _load(self) -> dict[str, Retiree]:
        """The batch's retirees and the listings that hold them already, once."""
        if self.found is None:
            self.found = await retirees(self.session, self.batch)
            self.holding = await repository.holding_many(
                self.session, [r.person_id for r in self.found.values()]
            )
        return self.found

    async def decide(self, item: DuplicateItem, today: date) -> Outcome:
        """List the drawing (once per drawing) and hold an active retiree's payment."""
        if item.drawing_since > today:
            raise ProblemError(
                422, "date_in_future", message="date_in_future.drawing", field="drawing_since"
            )
        retiree = known(await self._load(), item.citizen_id, item.message_id)
        drawing = (retiree.person_id, item.other_area_code, item.benefit_kind.value)
        if drawing in self.holding:
            return Outcome(InboundResult.queued, str(self.holding[drawing]), "already listed")
        # A deceased retiree is listed too (their payment stopped already): the months paid
        # between the drawing's start and the death are what a confirmation recovers.
        held = retiree.status == "active"
        row = DuplicateReceipt(
            message_id=item.message_id,
            person_id=retiree.person_id,
            other_area_code=item.other_area_code,
            other_agency=item.other_agency,
            benefit_kind=item.benefit_kind.value,
            drawing_since=item.drawing_since,
            held=held,
            status="open",
        )
        self.rows.append(row)
        self.holding[drawing] = row.id
        if held:
            retiree.status = "suspended"  # written with the batch (write)
            detail = "listed for a clerk; payment held"
        elif retiree.status == "deceased":
            detail = "listed for a clerk; the retiree is deceased, payment already stopped"
        else:
            detail = "listed for a clerk; payment already suspended, now held by this listing too"
        return Outcome(InboundResult.queued, str(row.id), detail)

    async def write(self, work: Work) -> None:
        """The listings, the holds (retirees suspended, their subsidy lines held), the audit."""
        if not self.rows:
            return
        work.session.add_all(self.rows)
        await work.session.flush()
        held = [row for row in self.rows if row.held]
        await repository.suspend_many(work.session, [row.person_id for row in held])
        listed, suspended = "duplicate_receipt.listed", "retiree.suspended"
        await work.audit_many(
            [
                work.audit_entry(listed, "duplicate_receipt", row.id, detail=listing_detail(row))
                for row in self.rows
            ]
            + [
                work.audit_entry(
                    suspended, "retiree", row.person_id, detail=retiree_detail(row, suspended)
                )
                for row in held
            ]
        )
        # The lines held are the province's doing, recorded without its roles.
        province = work.by(SystemActor(work.actor.subject))
        await subsidies.hold_for_suspended(province, [row.person_id for row in held])
