"""Structured JSON logs with request and event ids; citizen id numbers never reach a log."""

import logging
import re
import sys
from typing import Any

import structlog

CITIZEN_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")


def redact(value: str) -> str:
    """Mask anything shaped like an 18-character citizen id."""
    return CITIZEN_ID_PATTERN.sub(lambda m: m.group(1) + "********" + m.group(2)[-4:], value)


def _redact_processor(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = redact(value)
    return event_dict


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
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
