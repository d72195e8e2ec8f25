"""docs/banks.md: its test vectors hold for the agency's signature code, its example client
signs the same way, and its demo secrets are the ones `make up` runs with."""

import json

from gateway.config import GatewaySettings
from gateway.passwords import verify_password
from services.contribution.config import get_settings as contribution_settings
from services.payout.config import get_settings as payout_settings
from shared.http.bank_signature import check_signature, sign, signing_string
from tests.bank_docs import example, vectors


def test_the_page_has_a_vector_for_each_signed_service() -> None:
    assert {v["path"].split("/")[2] for v in vectors().values()} == {"payout", "contribution"}


def test_every_test_vector_is_what_the_agency_computes_and_accepts() -> None:
    for name, v in vectors().items():
        body, ts = v["body"].encode(), int(v["X-Timestamp"])
        expected = sign(v["secret"], ts, body, method=v["method"], target=v["path"])
        assert v["X-Signature"] == expected, name
        check_signature(
            {"bank-psbc": [v["secret"]]},
            "bank-psbc",
            v["X-Timestamp"],
            v["X-Signature"],
            body,
            method=v["method"],
            target=v["path"],
            now=ts + 60,
        )


def test_the_signing_string_is_the_one_the_page_shows() -> None:
    v = vectors()["payout results"]
    assert signing_string(int(v["X-Timestamp"]), v["method"], v["path"], v["body"].encode()) == (
        f"v2\n{v['X-Timestamp']}\nPOST\n{v['path']}\n{v['body']}".encode()
    )


def test_the_example_client_signs_as_the_vectors_say() -> None:
    client = example()
    for v in vectors().values():
        got = client.sign(
            v["secret"], int(v["X-Timestamp"]), v["method"], v["path"], v["body"].encode()
        )
        assert got == v["X-Signature"]
    # The example posts exactly the receipts of the contribution vector.
    body = json.dumps(client.RECEIPTS, separators=(",", ":")).encode()
    assert body.decode() == vectors()["contribution receipts"]["body"]


def test_the_demo_secrets_on_the_page_are_those_make_up_runs_with() -> None:
    client = example()
    for settings in (payout_settings(), contribution_settings()):
        assert client.SIGNING_SECRET in settings.bank_secrets[client.BANK]
    assert {v["secret"] for v in vectors().values()} == {client.SIGNING_SECRET}
    demo = GatewaySettings(dev_mode=True).clients
    assert demo is not None
    assert verify_password(demo[client.BANK].password_hash, client.CLIENT_SECRET)
    assert client.GATEWAY == f"http://127.0.0.1:{GatewaySettings(dev_mode=True).port}"
