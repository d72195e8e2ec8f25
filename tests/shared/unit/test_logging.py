"""No citizen id, bank account number or birth date reaches the logs."""

import json
import logging
from datetime import date

import structlog

from shared.logging import configure_logging, redact


def test_redact_masks_id_numbers_accounts_and_compact_dates_inside_text() -> None:
    assert redact("person 11010519491231002X joined") == "person 110105**********2X joined"
    assert redact("to 6221880011112222 now") == "to ************2222 now"
    assert redact("order 1234567890123456789012") == "order ******************9012"
    assert redact("born 19490415, seq 002") == "born 1949****, seq 002"
    # What is not shaped like personal data stays: amounts, periods, short numbers, uuids.
    kept = "paid 117418.20 for 2025-04 to 3 persons, run 12345678-1234-5678-1234-567812345678"
    assert redact(kept) == kept


def test_log_lines_are_json_with_ids_accounts_and_birth_dates_masked(capsys) -> None:
    configure_logging("test", "INFO", json_logs=True)
    structlog.get_logger("t").info(
        "registered 11010519491231002X",
        citizen_id="11010519491231002X",
        survivor_citizen_id="330522197104295450",
        account_number="6221880011112222",
        birth_date=date(1949, 12, 31),
        detail={"payee": {"account_number": "62218800", "born_on": "1971-04-29"}},
    )
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["event"] == "registered 110105**********2X"
    assert record["citizen_id"] == "110105**********2X"
    assert record["survivor_citizen_id"] == "330522**********50"
    assert record["account_number"] == "************2222"
    assert record["birth_date"] == "1949-**-**"
    assert record["detail"] == {"payee": {"account_number": "****8800", "born_on": "1971-**-**"}}
    assert record["timestamp"][:2] == "20"  # the log's own timestamp is not masked
    for secret in ("11010519491231002X", "6221880011112222", "1949-12-31", "1971-04-29"):
        assert secret not in line


def test_standard_library_records_are_masked_too(caplog) -> None:
    configure_logging("test", "INFO", json_logs=True)
    logging.getLogger("uvicorn.error").warning(
        "bad row %s / %s", "11010519491231002X", "6221880011112222"
    )
    err = caplog.records[-1].getMessage()
    assert "110105**********2X" in err and "************2222" in err
    assert "11010519491231002X" not in err and "6221880011112222" not in err


def test_library_lines_are_json_and_urls_with_queries_stay_out(capsys) -> None:
    configure_logging("test", "INFO", json_logs=True)
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    logging.getLogger("httpx").info("HTTP Request: GET http://x/persons?citizen_id=3305")
    structlog.contextvars.bind_contextvars(actor="clerk-zhang")
    try:
        structlog.get_logger("http").info("request", method="GET", path="/v1/x", status=200)
    finally:
        structlog.contextvars.unbind_contextvars("actor")
    lines = capsys.readouterr().err.strip().splitlines()
    records = [json.loads(line) for line in lines]  # every line is JSON
    started = next(r for r in records if r["event"].startswith("Started server process"))
    assert started["logger"] == "uvicorn.error" and started["level"] == "info"
    assert not any("citizen_id=" in line for line in lines)  # httpx's INFO is silenced
    assert records[-1]["actor"] == "clerk-zhang"


def test_uvicorn_starts_with_the_same_json_config() -> None:
    import logging.config
    from pathlib import Path

    config = json.loads((Path(__file__).parents[3] / "deploy" / "logging.json").read_text())
    logging.config.dictConfig(config)
    root = logging.getLogger()
    assert any(isinstance(h.formatter, structlog.stdlib.ProcessorFormatter) for h in root.handlers)
    assert logging.getLogger("httpx").level == logging.WARNING
    configure_logging("test", "INFO", json_logs=True)  # the app's own config replaces it
    formatters = [type(h.formatter) for h in logging.getLogger().handlers]
    assert formatters.count(structlog.stdlib.ProcessorFormatter) == 1
