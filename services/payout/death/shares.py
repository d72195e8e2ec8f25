"""Survivors' shares of the death benefits (issue #18, item 14): checked, split to the fen
(domain/death.split_shares), one one-off per survivor to their own account, each carrying
its share of the income tax withheld on the whole lump sum (domain/death.split_withholding)."""

import uuid
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.death import repository
from services.payout.death.schemas import DeathBenefitIn
from services.payout.domain.death import (
    InvalidShares,
    parse_shares,
    split_shares,
    split_withholding,
)
from services.payout.domain.tax import Withholding
from services.payout.models import DeathBenefit, DeathBenefitShare, OneOff, Retiree
from shared.data.ids import mask_account_number
from shared.problems import ProblemError


def checked(body: DeathBenefitIn, retiree: Retiree) -> list[Fraction]:
    """The stated shares, exact, or a 422 naming what is wrong (nothing is changed)."""
    try:
        shares = parse_shares([s.share for s in body.survivors])
    except InvalidShares as exc:
        raise ProblemError(
            422, "shares_not_whole", field="survivors", shares=[s.share for s in body.survivors]
        ) from exc
    ids = [s.survivor_citizen_id for s in body.survivors]
    if len(set(ids)) != len(ids):
        raise ProblemError(422, "survivor_repeated", field="survivors")
    if retiree.citizen_id in ids:
        raise ProblemError(422, "survivor_is_deceased", field="survivors")
    return shares


def rows(
    person_id: uuid.UUID, body: DeathBenefitIn, shares: list[Fraction], total: Decimal
) -> list[DeathBenefitShare]:
    """Each survivor's share of the total, to the fen (the parts sum to the total)."""
    amounts = split_shares(total, shares)
    return [
        DeathBenefitShare(
            person_id=person_id,
            seq=i,
            survivor_name=s.survivor_name,
            relationship=s.relationship,
            citizen_id=s.survivor_citizen_id,
            bank_code=s.bank_code,
            account_number=s.account_number,
            share=s.share,
            amount=amount,
        )
        for i, (s, amount) in enumerate(zip(body.survivors, amounts, strict=True))
    ]


def payments(
    payees: list[DeathBenefitShare],
    amounts: list[Decimal],
    period: date,
    status: str,
    source: str,
    taxed: list[tuple[Decimal, Decimal]],
) -> list[OneOff]:
    """One one-off per survivor whose part is more than nothing (the first one always: a
    grant has its carrier), to their own account with its (taxable, tax) from `taxed`;
    `payee_seq` tells the survivors apart."""
    out = []
    for payee, amount, (taxable, tax) in zip(payees, amounts, taxed, strict=True):
        if amount <= 0 and out:
            continue
        out.append(
            OneOff(
                person_id=payee.person_id,
                citizen_id=payee.citizen_id,
                program="death_benefit",
                period=period,
                amount=amount,
                bank_code=payee.bank_code,
                account_number=payee.account_number,
                account_name=payee.survivor_name,
                status=status,
                source=source,
                payee_seq=payee.seq,
                taxable_amount=taxable,
                tax_withheld=tax,
            )
        )
    return out


async def payees(session: AsyncSession, grant: DeathBenefit) -> list[DeathBenefitShare]:
    """The survivors of a grant with their shares; a grant made before shares existed has
    one survivor, the one its payment went to, with the whole."""
    found = await repository.shares(session, grant.person_id)
    if found:
        return found
    carrier = await session.get(OneOff, grant.one_off_id)
    assert carrier is not None  # a grant always has its payment
    return [
        DeathBenefitShare(
            person_id=grant.person_id,
            seq=0,
            survivor_name=grant.survivor_name,
            relationship=grant.relationship,
            citizen_id=carrier.citizen_id,
            bank_code=carrier.bank_code,
            account_number=carrier.account_number,
            share="1",
            amount=grant.total,
            one_off_id=carrier.id,
        )
    ]


def split(payees: list[DeathBenefitShare], total: Decimal) -> list[Decimal]:
    """An amount (an addition) split by the survivors' stated shares."""
    return split_shares(total, [Fraction(p.share) for p in payees])


def taxed(
    payees: list[DeathBenefitShare], amounts: list[Decimal], withheld: Withholding
) -> list[tuple[Decimal, Decimal]]:
    """The tax withheld on a whole lump sum (or addition), split by the survivors' shares
    like its amount: (taxable, tax) of each survivor's part."""
    stated = [Fraction(p.share) for p in payees]
    return split_withholding(amounts, stated, withheld.taxable, withheld.tax)


def audited(rows: list[DeathBenefitShare]) -> list[dict]:
    """The shares as the audit log keeps them (the account masked)."""
    return [
        {
            "survivor_name": r.survivor_name,
            "share": r.share,
            "amount": str(r.amount),
            "bank_code": r.bank_code,
            "account_number": mask_account_number(r.account_number),
        }
        for r in rows
    ]
