"""Fill an edge template with its ${EDGE_*} values, as the nginx image does in compose and k8s.

Compose and k8s let the image's entrypoint substitute them (envsubst, NGINX_ENVSUBST_FILTER=^EDGE_;
both ship nginx-data-path.conf.template);
the tests and an operator without the image use this: every variable must be given, nothing
else in the file changes (nginx's own $variables stay as they are). A variable given several
values (a list; on the command line, named again) writes its line once per value: the gateway
replicas' `server` lines.

    python -m deploy.edge.render out.conf EDGE_UPSTREAM=127.0.0.1:8000 EDGE_HTTP_PORT=80 ...
        (two gateways: EDGE_UPSTREAM=127.0.0.1:8000 EDGE_UPSTREAM=127.0.0.1:8010)
    python -m deploy.edge.render --data-path out.conf ...   (edge mode, docs/edge.md)
"""

import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
# Edge mode: the data path straight to the services (docs/edge.md).
DATA_PATH_TEMPLATE = Path(__file__).with_name("nginx-data-path.conf.template")
VARIABLE = re.compile(r"\$\{(EDGE_[A-Z0-9_]+)\}")


def variables(text: str) -> set[str]:
    """The ${EDGE_*} names a template uses."""
    return set(VARIABLE.findall(text))


def render(values: Mapping[str, str | Sequence[str]], text: str | None = None) -> str:
    """The template with each ${EDGE_*} replaced, a line holding a list's once per value; a
    missing or unused value is an error."""
    text = TEMPLATE.read_text() if text is None else text
    wanted = variables(text)
    if missing := wanted - set(values):
        raise KeyError(f"no value for {sorted(missing)}")
    if unused := set(values) - wanted:
        raise KeyError(f"the template has no {sorted(unused)}")
    lists = {k: v for k, v in values.items() if not isinstance(v, str)}
    if empty := [k for k, v in lists.items() if not v]:
        raise KeyError(f"no value in {sorted(empty)}")
    lines = []
    for line in text.splitlines(keepends=True):
        listed = sorted({name for name in VARIABLE.findall(line) if name in lists})
        if len(listed) > 1:
            raise KeyError(f"one line holds several lists: {listed}")
        for value in lists[listed[0]] if listed else [None]:
            lines.append(
                VARIABLE.sub(lambda m, v=value: str(v if m[1] in lists else values[m[1]]), line)
            )
    return "".join(lines)


def main(out: str, *assignments: str) -> None:
    """Write the rendered config to `out` from NAME=value arguments (`--data-path` first:
    the edge-mode template)."""
    template = TEMPLATE
    if out == "--data-path":
        template, out, *rest = DATA_PATH_TEMPLATE, *assignments
        assignments = tuple(rest)
    given: dict[str, list[str]] = {}
    for name, value in (a.split("=", 1) for a in assignments):
        given.setdefault(name, []).append(value)
    values = {name: v[0] if len(v) == 1 else v for name, v in given.items()}
    Path(out).write_text(render(values, template.read_text()))


if __name__ == "__main__":
    main(*sys.argv[1:])
