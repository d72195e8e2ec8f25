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


def test_the_data_path_template_is_the_edge_plus_its_own_lines() -> None:
    """Edge mode (docs/edge.md) keeps every directive of the shipped edge (TLS, limits, the
    metrics block...), and adds the services, their credential and the per-token limit."""

    def directives(text: str) -> set[str]:
        return {line.strip() for line in text.splitlines() if line.strip()[:1] not in ("", "#")}

    edge = render.TEMPLATE.read_text()
    data_path = render.DATA_PATH_TEMPLATE.read_text()
    assert directives(edge) <= directives(data_path)
    assert render.variables(data_path) - render.variables(edge) == {
        "EDGE_ENROLLMENT",
        "EDGE_CONTRIBUTION",
        "EDGE_PAYOUT",
        "EDGE_BUDGET",
        "EDGE_SERVICE_CREDENTIAL",
        "EDGE_TOKEN_RATE",
        "EDGE_TOKEN_BURST",
    }


def test_the_command_line_renders_either_template(tmp_path) -> None:
    values = {name: "1" for name in render.variables(render.DATA_PATH_TEMPLATE.read_text())}
    out = tmp_path / "nginx.conf"
    render.main("--data-path", str(out), *(f"{k}={v}" for k, v in values.items()))
    assert "proxy_pass http://$service;" in out.read_text()
    edge_values = {name: "1" for name in render.variables(render.TEMPLATE.read_text())}
    render.main(str(out), *(f"{k}={v}" for k, v in edge_values.items()))
    assert "proxy_pass http://$service;" not in out.read_text()
