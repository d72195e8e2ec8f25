"""Outside dev mode, a service with the demo or a short bank signing secret does not start."""

import pytest

from services.contribution.config import Settings as ContributionSettings
from services.payout.config import Settings as PayoutSettings

STRONG = "x7Qp2mVn9LrT4sWk8ZyB3cJd6FhG1aEu5oNi0tRv"


@pytest.mark.parametrize("settings_class", [ContributionSettings, PayoutSettings])
def test_demo_and_short_bank_secrets_are_refused(settings_class) -> None:
    with pytest.raises(ValueError, match=r"BANK_SECRETS.*published default"):
        settings_class(dev_mode=False)  # the shipped demo secret
    with pytest.raises(ValueError, match="shorter"):
        settings_class(dev_mode=False, bank_secrets={"bank-psbc": [STRONG, "short"]})
    settings = settings_class(dev_mode=False, bank_secrets={"bank-psbc": [STRONG]})
    assert settings.bank_secrets == {"bank-psbc": [STRONG]}
    assert settings_class(dev_mode=True).bank_secrets["bank-psbc"]  # make up and the tests
