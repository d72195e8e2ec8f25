"""The 催缴通知书: a unit's months and amounts owed with late fees and the date to pay by,
opened from a signed link with no token, masked per role, printed by Chromium on A4."""

from pathlib import Path

import pytest

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.chromium import assert_a4_with_chinese, needs_chromium, print_pdf, signed_path
from tests.conftest import auth_headers
from tests.contribution.helpers import declare_and_approve, generate, register, wage_lines

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _county_in_arrears(platform, start_apps):
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment,
        contribution,
        platform,
        {"县医院": ("self", 2, "2019-01-01"), "县财政局": ("full", 1, "2019-01-01")},
    )
    hospital = county.units["县医院"]
    await declare_and_approve(
        contribution, platform, hospital, 2020, wage_lines(county.persons["县医院"], "6000.00")
    )
    for period in ("2020-01", "2020-02"):
        await generate(contribution, platform, period)
    return contribution, county, hospital


@needs_chromium
async def test_the_notice_opens_from_a_link_and_prints_on_a4(
    platform, start_apps, tmp_path: Path
) -> None:
    contribution, county, hospital = await _county_in_arrears(platform, start_apps)
    path = f"/v1/contribution/arrears/{hospital['id']}/notice"

    # An auditor's link: no Authorization header, ids masked as in the JSON.
    r = await contribution.get(signed_path(platform, path, "auditor", query="as_of=2020-03-01"))
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    notice = r.text
    # Two months, each 2 × (960 + 480 + 480 + 240) = 4320.00; January is 46 days late on
    # 1 March (0.05% a day: 99.36), February 15 days (32.40).
    assert "县医院" in notice and hospital["credit_code"] in notice
    assert "2020-01" in notice and "2020-02" in notice
    assert "8,640.00" in notice and "131.76" in notice and "8,771.76" in notice
    assert "2020年3月16日前（15日内）" in notice  # notice.pay_within_days
    assert "按日万分之5加收" in notice
    nurse = county.persons["县医院"][0]
    assert nurse["name"] in notice and nurse["citizen_id"] not in notice

    # The service checks the link's roles per route, as for a token.
    province = await contribution.get(signed_path(platform, path, "province"))
    assert (province.status_code, province.json()["code"]) == (403, "role_forbidden")
    clerk = await contribution.get(
        path, params={"as_of": "2020-03-01"}, headers=auth_headers(platform, "clerk")
    )
    assert nurse["citizen_id"] in clerk.text

    pdf = print_pdf(notice, tmp_path)
    assert_a4_with_chinese(pdf, "社会保险费催缴通知书", "欠缴月份及金额", "县医院", "滞纳金")


async def test_no_notice_for_a_unit_that_owes_nothing(platform, start_apps) -> None:
    contribution, county, _ = await _county_in_arrears(platform, start_apps)
    finance = county.units["县财政局"]
    r = await contribution.get(
        f"/v1/contribution/arrears/{finance['id']}/notice",
        params={"as_of": "2020-03-01"},
        headers=auth_headers(platform, "clerk"),
    )
    assert (r.status_code, r.json()["code"]) == (404, "unit_not_in_arrears")
    assert "县财政局" in r.json()["detail"] and "2020-03-01" in r.json()["detail"]
    english = await contribution.get(
        f"/v1/contribution/arrears/{finance['id']}/notice",
        params={"as_of": "2020-03-01"},
        headers=auth_headers(platform, "clerk", **{"Accept-Language": "en"}),
    )
    assert english.json()["detail"].startswith("Unit 县财政局 (")
    unknown = await contribution.get(
        "/v1/contribution/arrears/00000000-0000-0000-0000-000000000001/notice",
        headers=auth_headers(platform, "clerk"),
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unit_not_found")
