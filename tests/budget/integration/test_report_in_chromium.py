"""The report rendered by headless Chromium: seven charts drawn, and it prints on A4 paper."""

import html as html_lib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from services.budget.main import create_app
from tests.budget.integration.helpers import load_seed
from tests.conftest import auth_headers

pytestmark = pytest.mark.asyncio(loop_scope="session")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# A4 in PDF points: 210 mm × 297 mm = 595.28 × 841.89 (Chromium writes 594.96 × 841.92).
A4 = (595.28, 841.89)

# Measures what the browser actually laid out: for each chart, its drawn size and the shapes
# (bars, slices) with a non-empty box. Added to a copy of the page only, never to the report.
PROBE = """<script>
window.addEventListener('load', () => {
  const out = [...document.querySelectorAll('figure.chart svg')].map(svg => {
    const box = svg.getBoundingClientRect();
    const shapes = [...svg.querySelectorAll('.plot .rect, .plot .slice path, .plot path.slice')]
      .filter(s => { const b = s.getBBox(); return b.width > 0 && b.height > 0; }).length;
    const texts = [...svg.querySelectorAll('text')].map(t => t.textContent).join('|');
    return {w: Math.round(box.width), h: Math.round(box.height), shapes, texts};
  });
  document.body.setAttribute('data-probe', JSON.stringify(out));
});
</script>"""


def run(*args: str) -> str:
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, *FLAGS, *args], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it)")
async def test_seven_charts_are_drawn_and_the_report_prints_on_a4(
    platform, start_apps, tmp_path: Path
) -> None:
    (client,) = await start_apps(create_app(platform))
    department_id = await load_seed(client, platform)
    html = (
        await client.get(
            f"/v1/budget/departments/{department_id}/years/2020/report",
            headers=auth_headers(platform, "clerk"),
        )
    ).text
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")

    dom = run("--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    found = re.search(r"data-probe=\"([^\"]*)\"", dom)
    assert found, "the probe did not run"
    charts = json.loads(html_lib.unescape(found.group(1)))
    assert len(charts) == 7
    for n, chart in enumerate(charts, start=1):
        assert chart["w"] > 300 and chart["h"] > 150, (n, chart)
        assert chart["shapes"] >= 1, (n, chart)
        assert f"图{n}：" in chart["texts"], (n, chart["texts"][:80])
    assert "社会保障和就业支出" in charts[5]["texts"]  # Chinese labels stay text
    assert charts[0]["shapes"] == 4  # two years × income and expenditure

    pdf = tmp_path / "report.pdf"
    run("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    raw = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", raw)
    assert len(boxes) >= 10  # every part starts a page; the report is long
    for width, height in boxes:
        assert abs(float(width) - A4[0]) < 1 and abs(float(height) - A4[1]) < 1
