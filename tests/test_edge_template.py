"""deploy/edge/render.py fills exactly the template's ${EDGE_*} and nothing else."""

import pytest

from deploy.edge import render

TEXT = "listen ${EDGE_PORT}; return 308 https://$host$request_uri; pid ${EDGE_RUN}/x.pid;"


def test_only_the_edge_variables_are_filled() -> None:
    out = render.render({"EDGE_PORT": "8443", "EDGE_RUN": "/run"}, TEXT)
    assert out == "listen 8443; return 308 https://$host$request_uri; pid /run/x.pid;"


@pytest.mark.parametrize(
    "values", [{"EDGE_PORT": "1"}, {"EDGE_PORT": "1", "EDGE_RUN": "/r", "EDGE_OTHER": "x"}]
)
def test_a_missing_or_unknown_value_is_refused(values: dict[str, str]) -> None:
    with pytest.raises(KeyError):
        render.render(values, TEXT)


def test_the_shipped_template_uses_the_documented_variables() -> None:
    names = render.variables(render.TEMPLATE.read_text())
    assert names == {
        "EDGE_UPSTREAM",
        "EDGE_HTTP_PORT",
        "EDGE_HTTPS_PORT",
        "EDGE_CERTS",
        "EDGE_RUN_DIR",
    }
