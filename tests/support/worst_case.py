"""The worst-case parameters' walk (issue #17 item 4): every bounded GET parameter of a
service at its extremes and one step past them, and the data that gives routes ids.

Shared by the suite's cost test (tests/fuzz/test_worst_case_parameters.py) and the wall-clock
figures (tests/perf/test_worst_case_timing.py).
"""

import re
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from services.budget.main import create_app as create_budget
from services.contribution.main import create_app as create_contribution
from services.enrollment.main import create_app as create_enrollment
from services.payout.main import create_app as create_payout
from shared.data.clock import agency_today
from tests.budget.integration.helpers import load_seed
from tests.enrollment.helpers import acked, credits, enrol, publish, register_unit
from tests.shared.integration.helpers import eventually

FACTORIES = {
    "enrollment": create_enrollment,
    "contribution": create_contribution,
    "payout": create_payout,
    "budget": create_budget,
}
# Path strings that are not enums in the schema: a value the route knows.
KNOWN_STRINGS = {"part": "income", "which": "overdue", "kind": "basic"}
MONTH = ("480.00", "240.00", "480.00", "6000.00")


def _schema(parameter: dict) -> dict:
    """The parameter's schema without its `null` alternative."""
    schema = parameter.get("schema", {})
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return option
    return schema


def _month_bounds(pattern: str) -> tuple[list[str], list[str]] | None:
    """Allowed and refused extremes of a month pattern (YYYY-MM)."""
    if not pattern.endswith("-(0[1-9]|1[0-2])$"):
        return None
    if "20\\d{2}|2100" in pattern:
        return ["2000-01", "2100-12"], ["1999-12", "2101-01"]
    return ["0000-01", "9999-12"], ["9999-13"]


def extremes(parameter: dict) -> tuple[list[Any], list[Any]] | None:
    """(allowed extremes, one step past them) of a bounded parameter, None for the others."""
    schema = _schema(parameter)
    kind, form = schema.get("type"), schema.get("format")
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        assert low is not None and high is not None, f"{parameter['name']} is open-ended"
        return [low, high], [low - 1, high + 1]
    if form == "date":
        earliest, latest = schema.get("x-earliest"), schema.get("x-latest")
        assert earliest and latest, f"the date {parameter['name']} has no bounds"
        low, high = date.fromisoformat(earliest), date.fromisoformat(latest)
        return [str(low), str(high)], [str(low - timedelta(days=1)), str(high + timedelta(1))]
    if form == "date-time":
        return ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"], []
    if kind == "string" and "pattern" in schema:
        return _month_bounds(schema["pattern"])
    return None


def ordinary(parameter: dict, ids: dict[str, str]) -> Any:
    """A plain valid value for a parameter that is not the one being pushed."""
    schema, name = _schema(parameter), parameter["name"]
    if name in ids:
        return ids[name]
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("type") == "integer":
        return schema.get("minimum", 1) if name != "year" else 2020
    if schema.get("format") == "date":
        return str(agency_today())
    if "pattern" in schema:
        return "2020-06"
    return KNOWN_STRINGS.get(name, "x")


def requests_of(spec: dict, ids: dict[str, str]) -> list[tuple[str, dict, Any, bool, str]]:
    """Every (url, query, pushed value, allowed?, label) of the service's GETs."""
    found = []
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        parameters = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]
        for pushed in parameters:
            bounds = extremes(pushed)
            if bounds is None:
                continue
            for value, allowed in [(v, True) for v in bounds[0]] + [(v, False) for v in bounds[1]]:
                values = {
                    p["name"]: value if p is pushed else ordinary(p, ids)
                    for p in parameters
                    if p is pushed or p["in"] == "path" or p.get("required")
                }
                url = re.sub(r"\{(\w+)\}", lambda m, v=values: str(v.pop(m[1])), path)
                label = f"GET {path} {pushed['name']}={value}"
                found.append((url, values, value, allowed, label))
    return found


async def seed_enrollment(client: httpx.AsyncClient, platform) -> dict[str, str]:
    """A unit and a person with a year of contributions: closings have something to compute."""
    unit = await register_unit(client, platform)
    [person] = await enrol(client, platform, unit, 1, joined_on="2020-01-01")
    for m in range(1, 13):
        lines = [(person, *MONTH)]
        await publish(platform, credits(unit["id"], f"2020-{m:02d}", date(2020, m, 20), lines))
    await eventually(lambda: acked(platform, "enrollment-accounts-credit", 12))
    return {"unit_id": unit["id"], "person_id": person}


async def seed(service: str, client: httpx.AsyncClient, platform) -> dict[str, str]:
    """Data for the routes' ids, where the service has a cheap way to make it."""
    if service == "enrollment":
        return await seed_enrollment(client, platform)
    if service == "budget":
        return {"department_id": await load_seed(client, platform)}
    return {}


async def drained(client: httpx.AsyncClient) -> bool:
    """Whether the service's outbox is empty (its relay idle)."""
    return (await client.get("/health")).json().get("outbox_pending") == 0
