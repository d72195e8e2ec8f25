"""Events budget consumes: payout's settled disbursements (actual spending)."""

from services.budget.spending.handlers import on_disbursement_settled
from shared.contracts.payout import DisbursementSettled
from shared.messaging.consumer import EventHandler

HANDLERS = [
    EventHandler(
        "budget.spending.disbursement-settled", DisbursementSettled, on_disbursement_settled
    ),
]
