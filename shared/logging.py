"""Structured JSON logs with request and event ids; no citizen id, account number or birth
date reaches a log line, whoever the request was for (shared.redaction decides the shapes)."""

import logging
import sys
from typing import Any

import structlog

from shared.redaction import redact_text, redact_tree

# Keys the logging pipeline itself writes: never personal data, left as they are.
_OWN_KEYS = frozenset({"timestamp", "level", "event_id", "request_id", "service", "logger"})
# The process's app: request tasks do not inherit the lifespan's context variables, so the
# name is added by a processor, not only bound there.
_service: str | None = None


def _add_service(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    if _service is not None:
        event_dict.setdefault("service", _service)
    return event_dict


def redact(value: str) -> str:
    """Mask anything shaped like a citizen id, a bank account number or a yyyymmdd date."""
    return redact_text(value)


def _redact_processor(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    # By key (`citizen_id`, `survivor_citizen_id`, `account_number`, `birth_date`, ...) and
    # by shape in any other text, nested dicts and lists included.
    return {k: v if k in _OWN_KEYS else redact_tree(v, k) for k, v in event_dict.items()}


class RedactFilter(logging.Filter):
    """The same masking for standard-library records (uvicorn, asyncpg, tracebacks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact_text(record.getMessage()), ()
        return True


def _chain() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        _add_service,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        _redact_processor,
    ]


def json_formatter(json_logs: bool = True) -> logging.Formatter:
    """The formatter of standard-library records: masked JSON like the app's own lines.

    Also named by deploy/logging.json, the `--log-config` uvicorn starts with, so that its
    first lines (before the app configures logging) are JSON too.
    """
    renderer = structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *_chain()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )


# Libraries whose INFO lines repeat every URL with its query string (citizen ids in filters):
# the request line of the app says the same without them.
_QUIET = ("uvicorn.access", "httpx", "httpcore")


def configure_logging(service: str, level: str = "INFO", json_logs: bool = True) -> None:
    """Configure structlog and the standard library once per process: every line, from the
    app or from a library (uvicorn, asyncpg, alembic), goes out as the same masked JSON."""
    global _service
    _service = service
    renderer = structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    shared_chain = _chain()
    structlog.configure(
        processors=[*shared_chain, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactFilter())
    handler.setFormatter(json_formatter(json_logs))
    root = logging.getLogger()
    # Replace an earlier JSON handler (uvicorn's --log-config, a previous app in this
    # process), keep any other (a test's capture handler).
    root.handlers[:] = [
        h for h in root.handlers if not isinstance(h.formatter, structlog.stdlib.ProcessorFormatter)
    ] + [handler]
    root.setLevel(level)
    # uvicorn configures its own loggers with plain-text handlers: route them to the root.
    # A dictConfig run earlier in the process (uvicorn's own, with its levels, or one that
    # disabled existing loggers) must not keep their lines from the root either.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
        logger.disabled = False
        logger.setLevel(logging.NOTSET)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
