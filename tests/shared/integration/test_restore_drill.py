"""The restore drill of docs/operations.md: dump enrollment's and payout's schemas with
`deploy.local.backup`, drop them, restore them: every row is back, the rights record and the
ledger answer byte for byte as before, the migrations are at head, and the services write.
A broken dump restores nothing; an event consumed after the dump comes back, once, when the
restored service's durable consumer is deleted."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import date
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest

from deploy.local import backup
from deploy.local.migrate import current_revisions, head_revisions
from services.enrollment.main import create_app as enrollment_app
from services.payout.config import get_settings as payout_settings
from services.payout.main import create_app as payout_app
from shared.data.db import asyncpg_dsn
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import credits, enrol, register_unit, scalar
from tests.enrollment.helpers import publish as publish_credit
from tests.job_wait import wait_for_job
from tests.payout.integration.helpers import retire, retirement, review, run_payroll
from tests.shared.integration.helpers import eventually
from tests.support.payout_banks import two_banks  # noqa: F401
from tests.support.payout_ledger import answer_every_line

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("two_banks")]
DRILLED = ("enrollment", "payout")
LINE = ("416.00", "208.00", "416.00", "5200.00")  # basic, funded, notional, base


@pytest.fixture(autouse=True)
def no_daily_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Payout's daily certification run stays off: the drill compares two reads."""
    monkeypatch.setenv("PENSION_PAYOUT_DAILY_JOBS", "false")
    payout_settings.cache_clear()


@asynccontextmanager
async def services(platform, *names: str) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """The services named (all drilled ones by default) running in this loop; stopped, as
    for a restore, on exit."""
    apps = {"enrollment": enrollment_app, "payout": payout_app}
    async with AsyncExitStack() as stack:
        clients = {}
        for name in names or DRILLED:
            clients[name] = await stack.enter_async_context(running_app(apps[name](platform)))
        yield clients


async def person_with_postings(client, platform) -> tuple[str, str]:
    """A person with two months of credits and the 2020 interest run: a rights record.
    Returns the unit's id and the person's."""
    unit = await register_unit(client, platform)
    [person] = await enrol(client, platform, unit, 1)
    for period, on in (("2019-12", date(2019, 12, 20)), ("2020-01", date(2020, 2, 10))):
        await publish_credit(platform, credits(unit["id"], period, on, [(person, *LINE)]))

    await eventually(lambda: credited(platform, 2))
    finance = auth_headers(platform, "finance")
    r = await client.post("/v1/enrollment/interest-runs", headers=finance, json={"year": 2020})
    job = await wait_for_job(client, r, finance)
    assert job["state"] == "succeeded", job
    return unit["id"], person


async def credited(platform, months: int) -> bool:
    """True once the person's accounts hold `months` months of credits (three accounts)."""
    sql = "SELECT count(*) FROM enrollment.posting WHERE posting_type = 'contribution'"
    return await scalar(platform, sql) == 3 * months


async def retirees_with_ledger(client, platform) -> None:
    """Two retirees determined, reviewed and paid for April and May, one line failed."""
    for seq in (61, 62):
        [d] = await retire(client, platform, retirement(seq))
        await review(client, platform, d["id"])
    await run_payroll(client, platform, "2025-05")
    await answer_every_line(client, platform, failing={"退休62"})


async def answers(clients: dict[str, httpx.AsyncClient], platform, person: str) -> dict:
    """What a clerk and finance read: the rights record (JSON and printable), the postings,
    the ledger and its settlements, the payroll runs, as the bytes the services send."""
    reads = {
        "enrollment": [
            f"/v1/enrollment/persons/{person}/rights-record/2020",
            f"/v1/enrollment/persons/{person}/rights-record/2020/html",
            f"/v1/enrollment/persons/{person}/accounts?as_of=2020-12-31",
            f"/v1/enrollment/persons/{person}/accounts/basic/postings",
            "/v1/enrollment/interest-runs",
        ],
        "payout": [
            "/v1/payout/ledger/2025",
            "/v1/payout/ledger/2025/settlements",
            "/v1/payout/payroll-runs",
            "/v1/payout/batches",
        ],
    }
    role = {"enrollment": "clerk", "payout": "finance"}
    found: dict[str, bytes] = {}
    for service, paths in reads.items():
        for path in paths:
            r = await clients[service].get(path, headers=auth_headers(platform, role[service]))
            assert r.status_code == 200, f"{path}: {r.text}"
            found[path] = r.content
    return found


async def fingerprint(platform, schema: str) -> dict[str, str]:
    """Every table of the schema: a digest of all its rows, in a fixed order."""
    conn = await asyncpg.connect(asyncpg_dsn(platform.database_url))
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1", schema
        )
        return {
            t[0]: await conn.fetchval(
                "SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, '|' "
                f'ORDER BY x::text), \'\')) FROM "{schema}"."{t[0]}" x'
            )
            for t in tables
        }
    finally:
        await conn.close()


async def drop_schema(platform, schema: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(platform.database_url))
    try:
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await conn.close()


async def test_dump_drop_restore_answers_byte_for_byte(
    platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with services(platform) as clients:
        unit, person = await person_with_postings(clients["enrollment"], platform)
        await retirees_with_ledger(clients["payout"], platform)
        before = await answers(clients, platform, person)
    assert b'"interest"' in before[f"/v1/enrollment/persons/{person}/rights-record/2020"]
    assert b'"paid_amount"' in before["/v1/payout/ledger/2025"]
    rows = {schema: await fingerprint(platform, schema) for schema in DRILLED}
    assert rows["enrollment"]["posting"].split(":")[0] == "7"  # 6 credits, the basic interest

    url = platform.database_url
    files = {schema: tmp_path / f"{schema}.dump" for schema in DRILLED}
    # The commands of docs/operations.md, as an operator types them.
    for schema, file in files.items():
        assert backup.main(["dump", "--schema", schema, "--file", str(file), "--url", url]) == 0
        assert backup.schemas_in(file) == {schema}
        await drop_schema(platform, schema)
    revisions = await current_revisions(url)
    assert {s: revisions[s] for s in DRILLED} == {"enrollment": None, "payout": None}

    for schema, file in files.items():
        assert backup.main(["restore", "--schema", schema, "--file", str(file), "--url", url]) == 0
    assert {schema: await fingerprint(platform, schema) for schema in DRILLED} == rows
    assert await current_revisions(url) == head_revisions()
    async with services(platform) as clients:
        assert await answers(clients, platform, person) == before
        # The restored sequences and triggers work: a new unit is registered, its event queued.
        outbox = await scalar(platform, "SELECT coalesce(max(id), 0) FROM enrollment.outbox")
        await register_unit(clients["enrollment"], platform, serial=2)
        assert await scalar(platform, "SELECT max(id) FROM enrollment.outbox") > outbox

    # Over a live schema only with --replace, dropped and restored in one transaction; a
    # dump never restores under another schema's name.
    with pytest.raises(backup.BackupError, match="exists"):
        backup.restore(url, "payout", files["payout"])
    with pytest.raises(backup.BackupError, match="not 'enrollment'"):
        backup.restore(url, "enrollment", files["payout"], replace=True)
    backup.restore(url, "payout", files["payout"], replace=True)
    assert await fingerprint(platform, "payout") == rows["payout"]

    # A dump that breaks off halfway restores nothing: the schema stays as it was.
    broken = tmp_path / "broken.dump"
    broken.write_bytes(files["payout"].read_bytes()[:-200])
    with pytest.raises(backup.BackupError, match="nothing restored"):
        backup.restore(url, "payout", broken, replace=True)
    assert await fingerprint(platform, "payout") == rows["payout"]

    # docs/operations.md 4.3: an event enrollment consumed after its dump is gone with the
    # restore and, acked, never delivered again; once the restored service's durable
    # consumer is deleted, JetStream delivers everything again and processed_event lets
    # only that event through.
    late = credits(unit, "2021-01", date(2021, 2, 10), [(person, *LINE)])
    async with services(platform, "enrollment"):
        await publish_credit(platform, late)
        await eventually(lambda: credited(platform, 3))
    dump = str(files["enrollment"])
    monkeypatch.setenv("PENSION_DATABASE_URL", url)  # as the guide has it: the URL from the env
    assert backup.main(["restore", "--schema", "enrollment", "--file", dump, "--replace"]) == 0
    assert await credited(platform, 2)
    nc = await nats.connect(platform.nats_url)
    try:
        await nc.jetstream().delete_consumer(platform.stream_name, "enrollment-accounts-credit")
    finally:
        await nc.close()
    async with services(platform, "enrollment"):
        await eventually(lambda: credited(platform, 3))
