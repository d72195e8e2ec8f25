"""The events payout subscribes to; the handlers live in their feature folders."""

from services.payout.determinations.handlers import on_person_retired
from shared.contracts import PersonRetired
from shared.messaging.consumer import EventHandler

HANDLERS = [
    EventHandler("payout.determinations.person-retired", PersonRetired, on_person_retired),
]
