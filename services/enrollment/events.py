"""Events enrollment consumes."""

from services.enrollment.accounts.service import apply_credits
from shared.consumer import EventHandler
from shared.contracts import AccountsCredited

HANDLERS = [
    EventHandler("enrollment.accounts.credit", AccountsCredited, apply_credits),
]
