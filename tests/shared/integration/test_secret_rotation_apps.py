"""A rolling rotation of the token secret, the link secret and the service credential at
once, through running service apps (docs/operations.md 6): one replica per step of the
procedure, each answering the tokens, links and gateway credential of its neighbours' steps
(as a gateway one step behind or ahead would send them); the old secrets are refused by the
replica of the last step."""

import uuid

import pytest

from gateway.main import gateway_credential_headers
from services.budget.main import create_app
from shared.http.auth import Principal, issue_token
from shared.http.signed_links import sign_link
from shared.settings import PlatformSettings

pytestmark = pytest.mark.asyncio(loop_scope="session")
OLD, NEW = "old-token-secret-" + "a" * 40, "new-token-secret-" + "b" * 40
OLD_LINK, NEW_LINK = "old-link-secret-" + "c" * 40, "new-link-secret-" + "d" * 40
OLD_CRED, NEW_CRED = "old-credential-" + "e" * 40, "new-credential-" + "f" * 40
REPORT = f"/v1/budget/departments/{uuid.uuid4()}/years/2020/report"


def steps(platform: PlatformSettings) -> list[PlatformSettings]:
    """The single old settings, then the three steps of a list: [old, new], [new, old], [new]."""
    single = {"jwt_secret": OLD, "link_secret": OLD_LINK, "service_credential": OLD_CRED}
    found = [platform.model_copy(update=single)]
    for jwt, link, cred in (
        ([OLD, NEW], [OLD_LINK, NEW_LINK], [OLD_CRED, NEW_CRED]),
        ([NEW, OLD], [NEW_LINK, OLD_LINK], [NEW_CRED, OLD_CRED]),
        ([NEW], [NEW_LINK], [NEW_CRED]),
    ):
        lists = {"jwt_secrets": jwt, "link_secrets": link, "service_credentials": cred}
        found.append(platform.model_copy(update=lists))
    return found


def what_a_gateway_sends(settings: PlatformSettings) -> tuple[dict[str, str], str]:
    """The headers of a call forwarded by a gateway at these settings (its credential and a
    token it issued), and the path of a printable link it signed."""
    token = issue_token(settings, "rita", ["clerk"])
    headers = {**gateway_credential_headers(settings), "Authorization": f"Bearer {token}"}
    who = Principal("rita", frozenset({"clerk"}), token_id="t-1", issued_at=0.0)
    return headers, sign_link(settings, who, REPORT).path


async def test_every_replica_answers_its_neighbours_and_the_last_refuses_the_old(
    platform: PlatformSettings, start_apps
) -> None:
    settings = steps(platform)
    replicas = await start_apps(*(create_app(s) for s in settings))
    for step in range(len(settings) - 1):
        for sender, receiver in ((step, step + 1), (step + 1, step)):
            headers, link = what_a_gateway_sends(settings[sender])
            answer = await replicas[receiver].get("/v1/budget/departments", headers=headers)
            assert answer.status_code == 200, (sender, receiver, answer.text)
            # A link opens without a token; the department does not exist: 404, not 401.
            credential = gateway_credential_headers(settings[sender])
            answer = await replicas[receiver].get(link, headers=credential)
            assert answer.status_code == 404, (sender, receiver, answer.text)
    # What the single old settings (and step 1) signed and sent, step 3 refuses.
    headers, link = what_a_gateway_sends(settings[0])
    last = replicas[-1]
    answer = await last.get("/v1/budget/departments", headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (401, "gateway_credential_invalid")
    new_credential = gateway_credential_headers(settings[-1])
    answer = await last.get(
        "/v1/budget/departments",
        headers={**new_credential, "Authorization": headers["Authorization"]},
    )
    assert (answer.status_code, answer.json()["code"]) == (401, "token_invalid")
    answer = await last.get(link, headers=new_credential)
    assert (answer.status_code, answer.json()["code"]) == (401, "link_invalid")
