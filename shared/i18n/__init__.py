"""Messages from catalogues: Chinese by default, English on `Accept-Language: en`.

How to write a message (see shared/i18n/README.md):
- raise `ProblemError(404, "plan_not_found", plan=label)`: the detail is the catalogue entry
  `plan_not_found` of the caller's language, filled in with the keyword values (which also
  appear in the problem body as extension members);
- a validator raises `Invalid("established_on_in_future", field="established_on")`;
- every key has an entry in `locales/zh_CN` and `locales/en` of the service (or of shared/),
  which `tests/architecture/test_message_catalogues.py` checks.
"""

from starlette.types import Scope

from shared.i18n.catalogue import DEFAULT_LOCALE, Catalogue, catalogue_for
from shared.i18n.invalid import Invalid
from shared.i18n.negotiation import preferred_locale

__all__ = [
    "DEFAULT_LOCALE",
    "Catalogue",
    "Invalid",
    "catalogue_for",
    "catalogue_of",
    "locale_of",
    "preferred_locale",
]


def locale_of(scope: Scope) -> str:
    """The caller's language from the request's Accept-Language header."""
    for name, value in scope.get("headers") or ():
        if name == b"accept-language":
            return preferred_locale(value.decode("latin-1"))
    return DEFAULT_LOCALE


def catalogue_of(scope: Scope) -> Catalogue:
    """The catalogue of the app answering this request (shared messages only if it has none)."""
    app = scope.get("app")
    state = getattr(app, "state", None)
    return getattr(state, "messages", None) or catalogue_for()
