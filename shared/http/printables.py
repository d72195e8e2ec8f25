"""What every printable page shares: the A4 print stylesheet with a CJK font, the Jinja2
environment of a feature's templates (autoescaped, Chinese money and dates) and the answer.

A printable is HTML a clerk prints and hands over (a notice to a unit, a sheet to a retiree);
it opens from a signed link (shared/http/signed_links.py), so its answer is never cached and
never sends the link on as a referrer.
"""

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

# WenQuanYi Zen Hei is Debian's (fonts-wqy-zenhei, what the browser test has); the others
# are what Chinese Windows and macOS desks have.
FONT_FAMILY = (
    '"WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", '
    '"PingFang SC", "SimSun", sans-serif'
)
PRINT_CSS = f"""@page {{ size: A4; margin: 18mm 16mm; }}
body {{ font-family: {FONT_FAMILY}; font-size: 11pt; line-height: 1.6; color: #111;
  max-width: 178mm; margin: 0 auto; }}
h1 {{ font-size: 18pt; text-align: center; margin: 0 0 5mm; letter-spacing: 0.1em; }}
h2 {{ font-size: 13pt; margin: 6mm 0 2mm; page-break-after: avoid; }}
p {{ margin: 1.5mm 0; }}
table {{ border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 10pt; }}
tr {{ page-break-inside: avoid; }}
th, td {{ border: 1px solid #666; padding: 1mm 2mm; text-align: left; vertical-align: top; }}
th {{ background: #eef1f6; }}
td.n, th.n {{ text-align: right; white-space: nowrap; }}
td.d {{ white-space: nowrap; }}
table.wide {{ font-size: 9pt; }}
table.wide th, table.wide td {{ padding: 1mm 1.2mm; }}
tr.total td {{ font-weight: bold; }}
.meta td {{ border: none; padding: 0.5mm 2mm 0.5mm 0; }}
.sign {{ margin-top: 12mm; text-align: right; }}
.note {{ font-size: 9pt; color: #444; }}
@media screen {{ body {{ margin: 2em auto; }} }}
"""
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def money(value: Decimal | None) -> str:
    """An amount in yuan with thousands separators, `—` when there is none."""
    return "—" if value is None else f"{Decimal(value):,.2f}"


def chinese_date(value: date | datetime | None) -> str:
    """2020年7月1日 (a timestamp by its date)."""
    if value is None:
        return "—"
    day = value.date() if isinstance(value, datetime) else value
    return f"{day.year}年{day.month}月{day.day}日"


@cache
def environment(templates: Path) -> Environment:
    """The autoescaped template environment of one feature's templates folder."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(money=money, cdate=chinese_date)
    env.globals.update(print_css=PRINT_CSS)
    return env


def render(templates: Path, name: str, **values: object) -> str:
    """One template of the folder rendered with the values."""
    return environment(templates).get_template(name).render(**values)


def page(html: str) -> HTMLResponse:
    """A printable's answer: not cached, the link never sent on as a referrer."""
    return HTMLResponse(html, headers=NO_STORE)


async def _link_parameter(
    link: Annotated[
        str | None,
        Query(
            max_length=4000,
            description="a signed link from POST /v1/auth/links: opens the page with no "
            "Authorization header (checked when the caller is authenticated)",
        ),
    ] = None,
) -> None:
    """Declares the `link` parameter of a printable (verified in shared.http.auth)."""


# On every printable route: `dependencies=[LINK]` (the parameter is then a declared one).
LINK = Depends(_link_parameter)
