"""Event contracts: the only thing services share about each other."""

from shared.contracts.base import EventContract, EventEnvelope, contract_for_type
from shared.contracts.contribution import AccountsCredited, CreditLine
from shared.contracts.enrollment import (
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

__all__ = [
    "AccountsCredited",
    "CreditLine",
    "EventContract",
    "EventEnvelope",
    "PersonDeceased",
    "PersonRegistered",
    "PersonRetired",
    "PersonStatusChanged",
    "PersonTransferredIn",
    "PersonTransferredOut",
    "PersonWithdrawn",
    "UnitClosed",
    "UnitRegistered",
    "UnitUpdated",
    "contract_for_type",
]
