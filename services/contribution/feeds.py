"""The contribution change feed the province reads: declared bases and settled contributions."""

from types import MappingProxyType

from shared.contracts.feeds import (
    BY_UNIT,
    CITIZEN_ID,
    CONTRIBUTION_BASE,
    PERSON_NUMBER,
    UNIT_NUMBER,
    Entity,
    Feed,
)

BY_CITIZEN = MappingProxyType(
    {"citizen_id": CITIZEN_ID, "unit_id": UNIT_NUMBER, "base": CONTRIBUTION_BASE}
)

FEEDS = (
    Feed(
        "contributions",
        (
            Entity("declaration", elements=BY_UNIT),
            Entity("declaration_line", key="declaration_id,citizen_id", elements=BY_CITIZEN),
            Entity("base", elements=BY_CITIZEN),
            Entity("base_adjustment", elements=BY_CITIZEN),
            Entity("plan", elements=BY_UNIT),
            Entity(
                "plan_line",
                key="plan_id,person_id",
                elements={"person_id": PERSON_NUMBER, "base": CONTRIBUTION_BASE},
            ),
            Entity("receipt", elements=BY_UNIT),
            Entity("allocation", elements=BY_UNIT),
            Entity("receipt_reversal"),
        ),
    ),
)
