"""The report as HTML: a Jinja2 template over the view, with the seven figures inline."""

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from services.budget.domain import labels
from services.budget.domain.checker import Finding
from services.budget.report import charts
from services.budget.report.view import View, fmt, magnitude, pct, rise

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment() -> Environment:
    """The template environment (autoescaped; the SVG is marked safe, it is drawn by pygal)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(fmt=fmt, pct=pct, abs=magnitude)
    env.globals.update(rise=rise, labels=labels)
    return env


def render_html(view: View, findings: list[Finding]) -> str:
    """The whole disclosure report as one printable HTML page."""
    svg = {n: Markup(s) for n, s in charts.figures(view).items()}
    template = environment().get_template("report.html.j2")
    return template.render(
        v=view,
        doc=view.doc,
        year=view.doc.year,
        prior_year=view.doc.year - 1,
        dept=view.doc.department,
        p=view.doc.profile,
        q=view.count,
        figure=svg,
        findings=findings,
    )
