"""Payout's policy versions as the four-eyes rule has them: an admin submits, a finance user
other than the submitter approves; only then is a version in force."""

import uuid

from tests.conftest import auth_headers

URL = "/v1/payout/parameters"
POLICY_MAKER, POLICY_CHECKER = "admin-policy", "finance-policy"


def role_key(platform, role: str, subject: str) -> dict[str, str]:
    """A user's headers with a fresh Idempotency-Key (one logical request)."""
    return auth_headers(platform, role, subject=subject, **{"Idempotency-Key": str(uuid.uuid4())})


async def submit_parameter(client, platform, body: dict, subject: str = POLICY_MAKER):
    """An admin submits a version (not in force yet); the raw answer."""
    return await client.post(URL, headers=role_key(platform, "admin", subject), json=body)


async def decide_parameter(
    client, platform, version_id: int, action: str, role: str, subject: str, note=None
):
    """`approve` or `reject` a submitted version as `subject` holding `role`; the raw answer."""
    return await client.post(
        f"{URL}/{version_id}/{action}",
        headers=role_key(platform, role, subject),
        json={} if note is None else {"note": note},
    )


async def set_parameter(client, platform, body: dict) -> dict:
    """A version submitted by an admin and approved by a finance user: in force."""
    r = await submit_parameter(client, platform, body)
    assert (r.status_code, r.json()["status"]) == (201, "submitted"), r.text
    r = await decide_parameter(
        client, platform, r.json()["id"], "approve", "finance", POLICY_CHECKER
    )
    assert (r.status_code, r.json()["status"]) == (200, "approved"), r.text
    return r.json()
