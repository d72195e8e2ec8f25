"""Citizen id numbers never reach the logs."""

import json

import structlog

from shared.logging import configure_logging, redact


def test_redact_masks_id_numbers_inside_text() -> None:
    assert redact("person 11010519491231002X joined") == "person 110105********002X joined"
    assert redact("order 1234567890123456789012") == "order 1234567890123456789012"


def test_log_lines_are_json_with_ids_masked(capsys) -> None:
    configure_logging("test", "INFO", json_logs=True)
    structlog.get_logger("t").info("registered", citizen_id="11010519491231002X")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["citizen_id"] == "110105********002X"
    assert record["event"] == "registered"
    assert "11010519491231002X" not in line
