"""Event contracts: the only thing services share about each other."""

from shared.contracts.base import EventContract, EventEnvelope, contract_for_type
from shared.contracts.contribution import AccountsCredited, CreditLine
from shared.contracts.enrollment import (
    PersonClosingSupplemented,
    PersonDeceased,
    PersonRegistered,
    PersonRetired,
    PersonStatusChanged,
    PersonTransferredIn,
    PersonTransferredOut,
    PersonWithdrawn,
    UnitClosed,
    UnitRegistered,
    UnitUpdated,
)
from shared.contracts.payout import DisbursementSettled, RederivationDue

__all__ = [
    "AccountsCredited",
    "CreditLine",
    "DisbursementSettled",
    "EventContract",
    "EventEnvelope",
    "PersonClosingSupplemented",
    "PersonDeceased",
    "PersonRegistered",
    "PersonRetired",
    "PersonStatusChanged",
    "PersonTransferredIn",
    "PersonTransferredOut",
    "PersonWithdrawn",
    "RederivationDue",
    "UnitClosed",
    "UnitRegistered",
    "UnitUpdated",
    "contract_for_type",
]
