"""A benefit rule for payout's unit tests."""

from services.payout.parameters.defaults import default_parameters
from services.payout.parameters.schemas import parse_value
from services.payout.parameters.service import comparison_rule

DEFAULTS = {name: value for name, _, value, _ in default_parameters()}
RULE = comparison_rule(parse_value("transition_comparison", DEFAULTS["transition_comparison"]))
