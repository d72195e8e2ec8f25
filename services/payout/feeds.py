"""The payout change feeds the province reads: determinations, and payments with their bank
results, recoveries, death benefits and duplicate-receipt holds."""

from types import MappingProxyType

from shared.contracts.feeds import BANK_ACCOUNT, BY_PERSON, CITIZEN_ID, PERSON_NUMBER, Entity, Feed

SEARCH_KEY = frozenset({"name_key"})
PAYEE = MappingProxyType(
    {"person_id": PERSON_NUMBER, "citizen_id": CITIZEN_ID, "account_number": BANK_ACCOUNT}
)

FEEDS = (
    Feed(
        "determinations",
        (
            Entity("retiree", key="person_id", elements=PAYEE, hidden=SEARCH_KEY),
            Entity("determination", elements=BY_PERSON),
            Entity("benefit_difference", elements=BY_PERSON),
        ),
    ),
    Feed(
        "payments",
        (
            Entity("batch"),
            Entity("payment", elements=PAYEE),
            Entity("account_change", elements=PAYEE),
            Entity("recovery", elements=BY_PERSON),
            Entity("offset_deduction", elements=BY_PERSON),
            Entity("one_off", elements=PAYEE),
            Entity("death_benefit", key="person_id", elements=BY_PERSON),
            Entity("death_benefit_share", key="person_id,seq", elements=PAYEE),
            Entity("ledger_settlement", elements=BY_PERSON),
            # The held-payment list of duplicate receipts (重复领取比对): a listing holds pay.
            Entity("duplicate_receipt", elements=BY_PERSON),
        ),
    ),
)
