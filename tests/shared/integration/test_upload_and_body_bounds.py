"""Bodies and uploads are bounded before they are read (issue #17 item 4): a body above its
cap is refused before any route or token check, a chunked one is cut at the cap, and every
importer (enrollment's staff, contribution's wages, budget's workbook) refuses a zip bomb or
an absurd sheet with 413 and imports nothing, while a forged dimension is simply ignored."""

import uuid

import pytest

from gateway.config import GatewaySettings
from gateway.main import create_app as gateway_app
from services.budget.main import create_app as budget_app
from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers, make_platform
from tests.contribution.helpers import register
from tests.enrollment.helpers import citizen_id, register_unit, scalar
from tests.job_wait import imported
from tests.shared.upload_files import far_cell, forged_dimension, zip_bomb

pytestmark = pytest.mark.asyncio(loop_scope="session")
MIB = 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAFF = ["身份证号", "姓名", "人员类别", "参保日期"]


@pytest.fixture
def small_caps(database_url, infra):
    """Platform settings with small caps, so the tests send megabytes, not hundreds."""
    return make_platform(
        database_url, infra.nats_url, max_body_bytes=1 * MIB, upload_max_bytes=2 * MIB
    )


async def call(app, method: str, path: str, headers: list, chunks: list[bytes] | None):
    """One raw ASGI call; (status, body, bytes the app read of the request body)."""
    pending = list(chunks or [])
    read = 0
    answer: dict = {"body": b""}

    async def receive() -> dict:
        nonlocal read
        if not pending:
            return {"type": "http.request", "body": b"", "more_body": False}
        chunk = pending.pop(0)
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            answer["body"] += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("test", 80),
        "client": ("127.0.0.1", 5000),
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
    }
    await app(scope, receive, send)
    return answer["status"], answer["body"], read


async def test_a_body_above_the_cap_is_refused_unread_before_authentication(
    small_caps, start_apps
) -> None:
    app = enrollment_app(small_caps)
    await start_apps(app)
    # The report's 150 MB unauthenticated body: refused on its Content-Length, nothing read.
    headers = [(b"content-type", b"application/json"), (b"content-length", b"157286400")]
    status, body, read = await call(app, "POST", "/v1/enrollment/persons", headers, [b"{}"])
    assert (status, read) == (413, 0)
    assert b"payload_too_large" in body
    # Without a Content-Length (chunked) the body is cut as soon as it passes the cap.
    chunk = b" " * (256 * 1024)
    headers = [(b"content-type", b"application/json")]
    status, body, read = await call(app, "POST", "/v1/enrollment/persons", headers, [chunk] * 40)
    assert status == 413 and read <= 1 * MIB + len(chunk)
    # Under the cap the same call reaches the token check.
    status, _, _ = await call(app, "POST", "/v1/enrollment/persons", headers, [b"{}"])
    assert status == 401


async def test_upload_routes_take_the_upload_cap_and_no_more(small_caps, start_apps) -> None:
    app = enrollment_app(small_caps)
    await start_apps(app)
    path = f"/v1/enrollment/units/{uuid.uuid4()}/persons/import"
    multipart = [(b"content-type", b"multipart/form-data; boundary=x")]
    one_and_a_half = [(b"content-length", str(3 * MIB // 2).encode())]
    status, _, _ = await call(app, "POST", path, multipart + one_and_a_half, [b"--x--\r\n"])
    assert status == 401  # past the body cap: the route's own checks answer
    status, _, read = await call(
        app, "POST", "/v1/enrollment/persons", multipart + one_and_a_half, [b"--x--\r\n"]
    )
    assert (status, read) == (413, 0)  # another route keeps the ordinary cap
    three = [(b"content-length", str(3 * MIB).encode())]
    status, _, read = await call(app, "POST", path, multipart + three, [b"--x--\r\n"])
    assert (status, read) == (413, 0)


async def test_enrollment_import_ignores_a_forged_dimension_and_refuses_a_bomb(
    platform, start_apps
) -> None:
    (client,) = await start_apps(enrollment_app(platform))
    unit = await register_unit(client, platform)
    clerk = auth_headers(platform, "clerk")
    path = f"/v1/enrollment/units/{unit['id']}/persons/import"
    staff = [[citizen_id(seq=f"{n:03d}"), f"职工{n}", "公务员", "2015-01-01"] for n in range(200)]
    staff = [row for row in staff if row[0]]  # every sequence makes a valid id
    forged = forged_dimension(STAFF, staff)  # claims 16,384 columns x 201 rows
    r = await client.post(path, headers=clerk, files={"file": ("staff.xlsx", forged)})
    r = await imported(client, r, clerk)  # the job reads the kept file under the same limits
    assert r.status_code == 200, r.text
    assert (r.json()["total_rows"], r.json()["accepted"]) == (200, 200)
    for name, content, code in (
        ("bomb.xlsx", zip_bomb(STAFF, inflated_mib=200), "upload_zip_bomb"),
        ("far.xlsx", far_cell(STAFF, 1_048_576, "A"), "upload_too_many_rows"),
        ("wide.xlsx", far_cell(STAFF, 2, "XFD"), "upload_too_many_columns"),
    ):
        r = await client.post(path, headers=clerk, files={"file": (name, content)})
        assert (r.status_code, r.json()["code"]) == (413, code), r.text
    assert await scalar(platform, "SELECT count(*) FROM enrollment.person") == 200


async def test_the_wage_upload_and_the_budget_workbook_refuse_a_bomb(platform, start_apps) -> None:
    enrollment, contribution, budget = await start_apps(
        enrollment_app(platform), contribution_app(platform), budget_app(platform)
    )
    county = await register(enrollment, contribution, platform, {"县局": ("full", 1, "2019-01-01")})
    clerk = auth_headers(platform, "clerk")
    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=clerk,
        json={"unit_id": county.units["县局"]["id"], "year": 2020, "lines": []},
    )
    assert r.status_code == 201, r.text
    bomb = zip_bomb(["身份证号", "姓名", "上年月平均工资"], inflated_mib=200)
    r = await contribution.post(
        f"/v1/contribution/declarations/{r.json()['id']}/upload",
        headers=clerk,
        files={"file": ("bases.xlsx", bomb)},
    )
    assert (r.status_code, r.json()["code"]) == (413, "upload_zip_bomb"), r.text
    r = await budget.post(
        "/v1/budget/imports/xlsx",
        content=zip_bomb(["部门"], inflated_mib=200),
        headers={
            **auth_headers(platform, "finance"),
            "content-type": XLSX,
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    assert (r.status_code, r.json()["code"]) == (413, "upload_zip_bomb"), r.text


async def test_the_gateways_own_routes_read_no_body_above_the_cap(small_caps, start_apps) -> None:
    settings = GatewaySettings(dev_mode=True, service_urls={"enrollment": "http://127.0.0.1:9"})
    app = gateway_app(settings, small_caps)
    await start_apps(app)
    form = [(b"content-type", b"application/x-www-form-urlencoded")]
    huge = [(b"content-length", b"157286400")]
    status, body, read = await call(app, "POST", "/v1/auth/token", form + huge, [b"x=1"])
    assert (status, read) == (413, 0) and b"payload_too_large" in body
    chunk = b"a" * (256 * 1024)
    status, _, read = await call(app, "POST", "/v1/auth/token", form, [chunk] * 40)
    assert status == 413 and read <= 1 * MIB + len(chunk)
    # Proxied calls: the declared length is refused before the token is looked at.
    status, _, read = await call(app, "POST", "/v1/enrollment/persons", huge, [b"{}"])
    assert (status, read) == (413, 0)
