"""Fill the edge's nginx.conf.template with its ${EDGE_*} values, as compose's nginx image does.

Compose lets the image's entrypoint substitute them (envsubst, NGINX_ENVSUBST_FILTER=^EDGE_);
the tests and an operator without the image use this: every variable must be given, nothing
else in the file changes (nginx's own $variables stay as they are).

    python -m deploy.edge.render out.conf EDGE_UPSTREAM=127.0.0.1:8000 EDGE_HTTP_PORT=80 ...
    python -m deploy.edge.render --data-path out.conf ...   (edge mode, docs/edge.md)
"""

import re
import sys
from collections.abc import Mapping
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
# Edge mode: the data path straight to the services (docs/edge.md).
DATA_PATH_TEMPLATE = Path(__file__).with_name("nginx-data-path.conf.template")
VARIABLE = re.compile(r"\$\{(EDGE_[A-Z0-9_]+)\}")


def variables(text: str) -> set[str]:
    """The ${EDGE_*} names a template uses."""
    return set(VARIABLE.findall(text))


def render(values: Mapping[str, str], text: str | None = None) -> str:
    """The template with each ${EDGE_*} replaced; a missing or unused value is an error."""
    text = TEMPLATE.read_text() if text is None else text
    wanted = variables(text)
    if missing := wanted - set(values):
        raise KeyError(f"no value for {sorted(missing)}")
    if unused := set(values) - wanted:
        raise KeyError(f"the template has no {sorted(unused)}")
    return VARIABLE.sub(lambda m: str(values[m[1]]), text)


def main(out: str, *assignments: str) -> None:
    """Write the rendered config to `out` from NAME=value arguments (`--data-path` first:
    the edge-mode template)."""
    template = TEMPLATE
    if out == "--data-path":
        template, out, *rest = DATA_PATH_TEMPLATE, *assignments
        assignments = tuple(rest)
    values = dict(a.split("=", 1) for a in assignments)
    Path(out).write_text(render(values, template.read_text()))


if __name__ == "__main__":
    main(*sys.argv[1:])
