"""Event contracts: the only thing services share about each other."""

from shared.contracts.base import EventContract, EventEnvelope, contract_for_type
from shared.contracts.enrollment import PersonRegistered, UnitRegistered

__all__ = [
    "EventContract",
    "EventEnvelope",
    "PersonRegistered",
    "UnitRegistered",
    "contract_for_type",
]
