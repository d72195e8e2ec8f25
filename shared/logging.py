"""Structured JSON logs with request and event ids; no citizen id, account number or birth
date reaches a log line, whoever the request was for (shared.http.masking decides the shapes)."""

import logging
import sys
from typing import Any

import structlog

from shared.http.masking import redact_text, redact_tree

# Keys the logging pipeline itself writes: never personal data, left as they are.
_OWN_KEYS = frozenset({"timestamp", "level", "event_id", "request_id", "service", "logger"})


def redact(value: str) -> str:
    """Mask anything shaped like a citizen id, a bank account number or a yyyymmdd date."""
    return redact_text(value)


def _redact_processor(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    # By key (`citizen_id`, `survivor_citizen_id`, `account_number`, `birth_date`, ...) and
    # by shape in any other text, nested dicts and lists included.
    return {k: v if k in _OWN_KEYS else redact_tree(v, k) for k, v in event_dict.items()}


class _RedactFilter(logging.Filter):
    """The same masking for standard-library records (uvicorn, asyncpg, tracebacks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact_text(record.getMessage()), ()
        return True


def configure_logging(service: str, level: str = "INFO", json_logs: bool = True) -> None:
    """Configure structlog and the standard library once per process."""
    renderer = structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _redact_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _RedactFilter) for f in handler.filters):
            handler.addFilter(_RedactFilter())
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
