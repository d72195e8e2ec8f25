"""Outside dev mode an app does not start without a strong service credential."""

import pytest

from shared.settings import InsecureSettingError, PlatformSettings, require_service_credential

STRONG = "k3y-" + "x" * 40
JWT = "j" * 48


def test_dev_mode_may_run_without_one_and_checks_one_it_has() -> None:
    require_service_credential(PlatformSettings(dev_mode=True))
    require_service_credential(PlatformSettings(dev_mode=True, service_credential="short"))


@pytest.mark.parametrize("credential", [None, "short", "change-me-change-me-change-me-0123456789"])
def test_production_refuses_a_missing_short_or_default_credential(credential: str | None) -> None:
    settings = PlatformSettings(dev_mode=False, jwt_secret=JWT, service_credential=credential)
    with pytest.raises(InsecureSettingError, match="PENSION_SERVICE_CREDENTIAL"):
        require_service_credential(settings)


def test_production_accepts_a_strong_credential() -> None:
    settings = PlatformSettings(dev_mode=False, jwt_secret=JWT, service_credential=STRONG)
    require_service_credential(settings)
