"""Outside dev mode the gateway refuses demo logins and plaintext passwords at start-up."""

import json

import pytest
from pydantic import ValidationError

from gateway.config import GatewaySettings
from gateway.passwords import hash_password, verify_password


def test_dev_mode_has_the_demo_logins_and_production_has_none() -> None:
    dev = GatewaySettings(dev_mode=True)
    assert set(dev.users) >= {"clerk", "admin"} and set(dev.clients) == {"bank-psbc", "province"}
    assert verify_password(dev.users["admin"].password_hash, "admin-demo")
    assert not verify_password(dev.users["admin"].password_hash, "admin")
    prod = GatewaySettings(dev_mode=False)
    assert prod.users == {} and prod.clients == {}


def test_a_plaintext_password_is_refused() -> None:
    with pytest.raises(ValidationError, match="argon2 hash"):
        GatewaySettings(
            dev_mode=False, users={"alice": {"password_hash": "hunter2", "roles": ["clerk"]}}
        )


@pytest.mark.parametrize("kind", ["users", "clients"])
def test_a_demo_login_is_refused(kind: str) -> None:
    name = "admin" if kind == "users" else "bank-psbc"
    demo = {name: {"password_hash": hash_password(f"{name}-demo"), "roles": ["admin"]}}
    with pytest.raises(ValidationError, match="demo password"):
        GatewaySettings(dev_mode=False, **{kind: demo})


def test_a_hashed_real_password_is_accepted(monkeypatch) -> None:
    users = {"alice": {"password_hash": hash_password("a-long-passphrase"), "roles": ["clerk"]}}
    monkeypatch.setenv("PENSION_GATEWAY_USERS", json.dumps(users))
    monkeypatch.delenv("PENSION_DEV_MODE", raising=False)
    settings = GatewaySettings()
    assert settings.dev_mode is False
    assert verify_password(settings.users["alice"].password_hash, "a-long-passphrase")


def test_unknown_users_do_not_verify() -> None:
    assert verify_password(None, "anything") is False
    assert verify_password("not-a-hash", "anything") is False
