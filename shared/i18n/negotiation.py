"""Which language a caller reads: Chinese unless Accept-Language prefers English."""

from shared.i18n.catalogue import DEFAULT_LOCALE


def preferred_locale(accept_language: str | None) -> str:
    """`en` when the caller's Accept-Language ranks English above Chinese; else `zh_CN`."""
    best: tuple[float, str] | None = None
    for position, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        if language not in ("en", "zh", "*"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if language == "*" or quality <= 0:
            continue
        # Higher quality wins; between equals, the one listed first.
        candidate = (quality - position * 1e-6, language)
        if best is None or candidate > best:
            best = candidate
    return "en" if best is not None and best[1] == "en" else DEFAULT_LOCALE
