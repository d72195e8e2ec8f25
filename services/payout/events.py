"""The events payout subscribes to; the handlers live in their feature folders."""

from services.payout.death.handlers import on_people_deceased, on_person_deceased
from services.payout.determinations.handlers import on_person_retired
from services.payout.province_parameters.handlers import on_rederivation_due
from services.payout.withdrawals.handlers import on_person_withdrawn
from shared.contracts import PersonDeceased, PersonRetired, PersonWithdrawn, RederivationDue
from shared.messaging.consumer import EventHandler

HANDLERS = [
    EventHandler("payout.determinations.person-retired", PersonRetired, on_person_retired),
    EventHandler(
        "payout.death.person-deceased",
        PersonDeceased,
        on_person_deceased,
        handle_many=on_people_deceased,  # the province's death matches come in thousands
        batch=1000,  # enrollment answers a batch of 1,000 notices with 1,000 deaths
    ),
    EventHandler("payout.withdrawals.person-withdrawn", PersonWithdrawn, on_person_withdrawn),
    EventHandler("payout.province.rederivation-due", RederivationDue, on_rederivation_due),
]
