"""Message catalogues: gettext .po files read with Babel, keyed by stable message codes."""

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from string import Formatter
from typing import Any

from babel.messages.pofile import read_po

DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")
SHARED_LOCALES = Path(__file__).parent / "locales"


class _Params(dict[str, Any]):
    """Format parameters where a placeholder without a value stays visible, never raises."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def placeholders(template: str) -> set[str]:
    """The named placeholders of a message template."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def _read(folder: Path, locale: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    for path in sorted((folder / locale / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and message.string:
                    messages[str(message.id)] = str(message.string)
    return messages


class Catalogue:
    """Every message of one app (the shared ones plus its own), in every locale."""

    def __init__(self, folders: Iterable[Path]) -> None:
        self.folders = tuple(folders)
        self.messages: dict[str, dict[str, str]] = {
            locale: {k: v for folder in self.folders for k, v in _read(folder, locale).items()}
            for locale in LOCALES
        }

    def has(self, key: str, locale: str = DEFAULT_LOCALE) -> bool:
        """Whether the key has a message in that locale."""
        return key in self.messages.get(locale, {})

    def text(
        self, key: str, locale: str = DEFAULT_LOCALE, params: Mapping[str, Any] | None = None
    ) -> str | None:
        """The message for a key in a locale (Chinese when the locale lacks it), filled in."""
        template = self.messages.get(locale, {}).get(key)
        if template is None:
            template = self.messages[DEFAULT_LOCALE].get(key)
        if template is None:
            return None
        return template.format_map(_Params({k: _shown(v) for k, v in (params or {}).items()}))


def _shown(value: Any) -> Any:
    # Enum members show their value; everything else as str() would.
    return getattr(value, "value", value)


@lru_cache(maxsize=16)
def catalogue_for(*folders: Path) -> Catalogue:
    """The catalogue of the shared messages plus those under the given folders (cached)."""
    return Catalogue((SHARED_LOCALES, *folders))
