"""The events contribution subscribes to; the handlers live in their features."""

from services.contribution.roster.handlers import (
    on_people_registered,
    on_people_status_changed,
    on_person_registered,
    on_person_status_changed,
    on_person_transferred_in,
    on_unit_closed,
    on_unit_registered,
    on_unit_updated,
)
from shared.contracts import (
    PersonRegistered,
    PersonStatusChanged,
    PersonTransferredIn,
    UnitClosed,
    UnitRegistered,
    UnitUpdated,
)
from shared.messaging.consumer import EventHandler

HANDLERS = [
    EventHandler("contribution.roster.unit-registered", UnitRegistered, on_unit_registered),
    EventHandler("contribution.roster.unit-updated", UnitUpdated, on_unit_updated),
    EventHandler("contribution.roster.unit-closed", UnitClosed, on_unit_closed),
    EventHandler(
        "contribution.roster.person-registered",
        PersonRegistered,
        on_person_registered,
        handle_many=on_people_registered,  # an import's hundreds in a few transactions
    ),
    EventHandler(
        "contribution.roster.person-transferred-in", PersonTransferredIn, on_person_transferred_in
    ),
    EventHandler(
        "contribution.roster.person-status-changed",
        PersonStatusChanged,
        on_person_status_changed,
        handle_many=on_people_status_changed,
    ),
]
