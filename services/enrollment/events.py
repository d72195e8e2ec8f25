"""Events enrollment consumes."""

from services.enrollment.accounts.service import apply_credits, apply_many_credits
from shared.consumer import EventHandler
from shared.contracts import AccountsCredited

HANDLERS = [
    EventHandler(
        "enrollment.accounts.credit",
        AccountsCredited,
        apply_credits,
        handle_many=apply_many_credits,
        workers=2,  # credits to different person-months commute
    ),
]
