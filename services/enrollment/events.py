"""Events enrollment consumes."""

from services.enrollment.individual_accounts.handlers import apply_credits, apply_many_credits
from shared.contracts import AccountsCredited
from shared.messaging.consumer import EventHandler

HANDLERS = [
    EventHandler(
        "enrollment.accounts.credit",
        AccountsCredited,
        apply_credits,
        handle_many=apply_many_credits,
        workers=2,  # credits to different person-months commute
    ),
]
