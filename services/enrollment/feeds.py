"""The enrollment change feeds the province reads: persons, units, accounts."""

from shared.contracts.feeds import (
    BY_PERSON,
    BY_UNIT,
    PERSON_ELEMENTS,
    UNIT_ELEMENTS,
    Entity,
    Feed,
)

SEARCH_KEY = frozenset({"name_key"})

FEEDS = (
    Feed(
        "persons",
        (
            Entity("person", elements=PERSON_ELEMENTS, hidden=SEARCH_KEY),
            Entity("status_change", elements=BY_PERSON),
            Entity("retirement", key="person_id", elements=BY_PERSON),
            Entity("transfer", elements=BY_PERSON),
            Entity("deemed_period", elements=BY_PERSON),
        ),
    ),
    Feed(
        "units",
        (
            Entity("unit", elements=UNIT_ELEMENTS, hidden=SEARCH_KEY),
            Entity("unit_change", elements=BY_UNIT),
        ),
    ),
    Feed(
        "accounts",
        (
            Entity("account", elements=BY_PERSON),
            Entity("posting"),
            Entity("interest_run", key="year,account_kind"),
            Entity("account_closing", elements=BY_PERSON),
            Entity("closing_interest"),
            Entity("closing_supplement"),
        ),
    ),
)
