"""Every printable a link may open is a GET route that declares the `link` parameter, and
every route that declares it is a printable (shared/http/signed_links.py PRINTABLES)."""

import re

from services.budget.main import create_app as budget
from services.contribution.main import create_app as contribution
from services.enrollment.main import create_app as enrollment
from services.payout.main import create_app as payout
from shared.http.signed_links import PRINTABLES, is_printable
from shared.settings import PlatformSettings

SAMPLE = {"year": "2020"}  # every other path parameter is an id
ANY_ID = "0b6c2a7e-1d2f-4a55-9c1e-7b1f0e2d3c4a"


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE.get(m[1], ANY_ID), path)


def test_printables_and_routes_declaring_a_link_are_the_same() -> None:
    platform = PlatformSettings(dev_mode=True)
    declaring, printable = set(), set()
    for app in (enrollment(platform), contribution(platform), payout(platform), budget(platform)):
        for path, operations in app.openapi()["paths"].items():
            concrete = _concrete(path)
            for method, operation in operations.items():
                names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
                if "link" in names:
                    declaring.add((method, concrete))
                if is_printable(concrete) and method == "get":
                    printable.add((method, concrete))
    assert declaring == printable
    assert len(printable) == len(PRINTABLES)  # every pattern is a route
