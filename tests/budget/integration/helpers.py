"""Shared steps of the budget integration tests: load the seed through the import API."""

import json
import uuid
from pathlib import Path

from tests.conftest import auth_headers
from tests.job_wait import finished

SEED = Path(__file__).parents[3] / "deploy/local/budget_wusheng_2020.json"


def seed_years() -> list[dict]:
    """The seed's department-years (2019 derived, 2020 transcribed), as import bodies."""
    return json.loads(SEED.read_text(encoding="utf-8"))["years"]


def finance(platform) -> dict[str, str]:
    """Headers of a finance officer with a fresh Idempotency-Key."""
    return auth_headers(platform, "finance", **{"Idempotency-Key": uuid.uuid4().hex})


async def load_seed(client, platform) -> str:
    """Import both seed years; the department's id."""
    for body in seed_years():
        answer = await client.post("/v1/budget/imports", json=body, headers=finance(platform))
        answer = await finished(client, answer)  # the import's job, done
        assert answer.status_code == 200, answer.text
    return answer.json()["department_id"]
