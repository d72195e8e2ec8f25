"""docker-compose.yml and deploy/k8s name only services, modules, ports and settings that exist,
and both ship edge mode (docs/edge.md) with the gateway's settings."""

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from pydantic_settings import BaseSettings

from deploy.edge import render
from deploy.local.migrate import SCHEMAS
from gateway.config import GatewaySettings
from services.budget.config import Settings as BudgetSettings
from services.contribution.config import Settings as ContributionSettings
from services.enrollment.config import Settings as EnrollmentSettings
from services.payout.config import Settings as PayoutSettings
from shared.settings import PlatformSettings

ROOT = Path(__file__).resolve().parents[1]
SETTINGS: list[type[BaseSettings]] = [
    PlatformSettings,
    GatewaySettings,
    EnrollmentSettings,
    ContributionSettings,
    PayoutSettings,
    BudgetSettings,
]
DEFAULT_PORTS = {
    "gateway": GatewaySettings().port,
    "enrollment": EnrollmentSettings().port,
    "contribution": ContributionSettings().port,
    "payout": PayoutSettings().port,
    "budget": BudgetSettings().port,
}
NOT_OURS = {"PORT", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
# The oldest Kubernetes the manifests are checked against (schemas bundled by
# kubernetes-validate, so no network), and the newest the pinned package knows.
K8S_VERSIONS = ("1.30", "1.37")
SERVICES = set(DEFAULT_PORTS) - {"gateway"}
# Each gateway setting and the services' edge-mode one that must hold the same value.
EDGE_EQUALS_GATEWAY = {
    f"PENSION_EDGE_{name}": f"PENSION_GATEWAY_{name}"
    for name in (
        "RATE_LIMIT_PER_SECOND",
        "RATE_LIMIT_BURST",
        "RATE_LIMIT_SYNC_SECONDS",
        "MAX_RESPONSE_BYTES",
        "CORS_ORIGINS",
    )
}


def k8s_documents() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((ROOT / "deploy/k8s/pension.yaml").read_text()) if d]


def k8s_apps() -> list[dict[str, Any]]:
    """The Deployments of our image (every one but the nginx edge's)."""
    return [
        d for d in k8s_documents() if d["kind"] == "Deployment" and d["metadata"]["name"] != "edge"
    ]


def compose_services() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def known_variables() -> set[str]:
    names = set()
    for cls in SETTINGS:
        prefix = cls.model_config.get("env_prefix", "")
        names |= {f"{prefix}{field}".upper() for field in cls.model_fields}
    return names


def check_command(command: list[str]) -> tuple[str, int] | None:
    """Return (app name, port) for a uvicorn command after checking its target exists."""
    if command[:2] == ["python", "-m"]:
        assert command[2] in ("deploy.local.migrate", "deploy.edge.selfsigned")
        assert importlib.util.find_spec(command[2])
        return None
    assert command[0] == "uvicorn" and "--factory" in command
    module, _, attr = command[1].partition(":")
    assert callable(getattr(importlib.import_module(module), attr))
    name = "gateway" if module.startswith("gateway") else module.split(".")[1]
    return name, int(command[command.index("--port") + 1])


def check_gateway_urls(raw: str, hosts: set[str]) -> None:
    urls = json.loads(raw)
    assert set(urls) == set(DEFAULT_PORTS) - {"gateway"}
    for name, url in urls.items():
        host, port = url.removeprefix("http://").split(":")
        assert host in hosts and int(port) == DEFAULT_PORTS[name]


def test_compose_file_matches_the_code() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services: dict[str, Any] = compose["services"]
    assert {"postgres", "nats", "migrate", "edge", *DEFAULT_PORTS} <= set(services)
    # The edge's template (edge mode) and how compose fills it: test_edge_is_the_data_path.
    edge_conf = render.DATA_PATH_TEMPLATE
    assert (
        f"./{edge_conf.relative_to(ROOT)}:/etc/nginx/templates/nginx.conf.template:ro"
        in services["edge"]["volumes"]
    )
    assert "proxy_pass http://gateway;" in edge_conf.read_text()
    assert "ports" not in services["gateway"]  # reached only through the edge
    assert "-js" in services["nats"]["command"]
    known = known_variables()
    for name, spec in services.items():
        for dep in spec.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown {dep}"
        if "build" not in spec:
            continue
        assert (ROOT / spec["build"]["dockerfile"]).exists()
        env = spec["environment"]
        unknown = {k for k in env if k not in known and k not in NOT_OURS}
        assert not unknown, f"{name} sets variables no settings class reads: {unknown}"
        target = check_command(spec["command"])
        if target:
            app, port = target
            assert app == name and port == DEFAULT_PORTS[name] == int(env["PORT"])
    check_gateway_urls(
        services["gateway"]["environment"]["PENSION_GATEWAY_SERVICE_URLS"], set(services)
    )


def test_kubernetes_manifests_match_the_code() -> None:
    docs = [d for d in yaml.safe_load_all((ROOT / "deploy/k8s/pension.yaml").read_text()) if d]
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    # Secrets are created by the operator, never shipped (applying must not overwrite them).
    assert not [d for d in docs if d["kind"] == "Secret"]
    known = known_variables()
    assert set(config["data"]) <= known
    deployments = {d["metadata"]["name"]: d for d in k8s_apps()}
    k8s_services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    assert set(deployments) == set(DEFAULT_PORTS) == set(k8s_services) - {"edge"}
    for name, deployment in deployments.items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert check_command(container["command"]) == (name, DEFAULT_PORTS[name])
        assert k8s_services[name]["spec"]["ports"][0]["port"] == DEFAULT_PORTS[name]
    check_gateway_urls(config["data"]["PENSION_GATEWAY_SERVICE_URLS"], set(k8s_services))
    job = next(d for d in docs if d["kind"] == "Job")
    assert check_command(job["spec"]["template"]["spec"]["containers"][0]["command"]) is None


@pytest.mark.parametrize("path", ["Dockerfile"])
def test_dockerfile_installs_with_the_pinned_constraints(path: str) -> None:
    text = (ROOT / "deploy" / path).read_text()
    assert "-c constraints.txt" in text
    for folder in ("shared", "services", "gateway", "deploy"):
        assert f"COPY {folder} ./{folder}" in text


def test_no_service_imports_another_and_shared_imports_none() -> None:
    """The import-linter contracts in pyproject.toml (services independent, shared and the
    gateway import no service, shared in layers)."""
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_no_default_secret_or_demo_login_is_shipped() -> None:
    compose_text = (ROOT / "docker-compose.yml").read_text()
    k8s_text = (ROOT / "deploy/k8s/pension.yaml").read_text()
    for text in (compose_text, k8s_text):
        assert "CHANGE-ME" not in text and "change-me" not in text and "-demo" not in text
    env = yaml.safe_load(compose_text)["x-app"]["environment"]
    assert env["PENSION_JWT_SECRET"].startswith("${PENSION_JWT_SECRET:?")
    assert env["PENSION_DEV_MODE"] == "${PENSION_DEV_MODE:-0}"
    config = next(d for d in yaml.safe_load_all(k8s_text) if d and d["kind"] == "ConfigMap")
    assert "PENSION_DEV_MODE" not in config["data"]


def test_only_the_edge_and_the_gateway_reach_the_services_in_kubernetes() -> None:
    docs = [d for d in yaml.safe_load_all((ROOT / "deploy/k8s/pension.yaml").read_text()) if d]
    policies = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "NetworkPolicy"}
    services = policies["services-only-from-edge-and-gateway"]
    selected = services["podSelector"]["matchExpressions"][0]
    assert (selected["key"], selected["operator"]) == ("app", "In")
    assert set(selected["values"]) == set(DEFAULT_PORTS) - {"gateway"}
    assert services["policyTypes"] == ["Ingress"]
    [rule] = services["ingress"]
    pods = [p["podSelector"] for p in rule["from"] if "podSelector" in p]
    # No other pod of the cluster.
    assert pods == [{"matchLabels": {"app": "edge"}}, {"matchLabels": {"app": "gateway"}}]
    assert all(set(p) <= {"podSelector", "namespaceSelector"} for p in rule["from"])
    assert {p["port"] for p in rule["ports"]} == {
        port for name, port in DEFAULT_PORTS.items() if name != "gateway"
    }
    gateway = policies["gateway-only-from-edge"]
    assert gateway["podSelector"] == {"matchLabels": {"app": "gateway"}}
    [rule] = gateway["ingress"]
    assert [p["port"] for p in rule["ports"]] == [DEFAULT_PORTS["gateway"]]
    pods = [p["podSelector"] for p in rule["from"] if "podSelector" in p]
    assert pods == [{"matchLabels": {"app": "edge"}}]
    assert all(set(p) in ({"namespaceSelector"}, {"podSelector"}) for p in rule["from"])
    # Each Deployment's pods carry the label the policies select on.
    for d in docs:
        if d["kind"] == "Deployment":
            name = d["metadata"]["name"]
            assert d["spec"]["template"]["metadata"]["labels"] == {"app": name}


def test_metrics_are_not_routed_from_outside() -> None:
    """Only the edge is exposed (no Ingress, no other LoadBalancer or NodePort), and both
    templates answer /metrics with their own 404."""
    docs = k8s_documents()
    assert not [d for d in docs if d["kind"] == "Ingress"]
    exposed = [
        d["metadata"]["name"]
        for d in docs
        if d["kind"] == "Service" and d["spec"].get("type", "ClusterIP") != "ClusterIP"
    ]
    assert exposed == ["edge"]
    assert [
        p["targetPort"]
        for p in next(
            d for d in docs if d["metadata"]["name"] == "edge" and d["kind"] == "Service"
        )["spec"]["ports"]
    ] == [443, 80]
    for template in (render.TEMPLATE, render.DATA_PATH_TEMPLATE):
        assert "location ~ ^/metrics(/|$) {\n            return 404;" in template.read_text()


def test_services_get_the_gateway_credential_from_a_secret() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["x-app"]["environment"]["PENSION_SERVICE_CREDENTIAL"].startswith(
        "${PENSION_SERVICE_CREDENTIAL:?"
    )
    k8s = (ROOT / "deploy/k8s/pension.yaml").read_text()
    assert "--from-literal=PENSION_SERVICE_CREDENTIAL=" in k8s


def test_printable_links_are_signed_with_a_secret_of_their_own() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["x-app"]["environment"]["PENSION_LINK_SECRET"].startswith(
        "${PENSION_LINK_SECRET:?"
    )
    assert (
        '--from-literal=PENSION_LINK_SECRET="$(openssl rand'
        in (ROOT / "deploy/k8s/pension.yaml").read_text()
    )


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_kubernetes_manifests_validate_against_the_schemas(version: str) -> None:
    """Strict: a misspelt or misplaced field is an error, not silently dropped by the API."""
    for doc in k8s_documents():
        kubernetes_validate.validate(doc, version, strict=True)
    deployment = k8s_apps()[0]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"] = {
        "path": "/health",
        "prot": 8000,
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, version, strict=True)


def test_each_deployment_has_probes_resources_a_budget_and_an_autoscaler() -> None:
    docs = k8s_documents()
    budgets = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "PodDisruptionBudget"}
    scalers = {
        d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "HorizontalPodAutoscaler"
    }
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} == set(DEFAULT_PORTS) | {"edge"}
    for deployment in deployments:
        name, spec = deployment["metadata"]["name"], deployment["spec"]
        labels = spec["template"]["metadata"]["labels"]
        [container] = spec["template"]["spec"]["containers"]
        if name == "edge":
            # nginx's own port: a gateway outage must not take the data path out with it.
            assert container["readinessProbe"]["tcpSocket"] == {"port": 443}
            assert container["livenessProbe"]["tcpSocket"] == {"port": 443}
        else:
            port = DEFAULT_PORTS[name]
            assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": port}
            assert container["livenessProbe"]["httpGet"] == {
                "path": "/health/live",
                "port": port,
            }
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert "memory" in container["resources"]["limits"]
        # The autoscaler owns the count; a rollout never takes a serving pod away first.
        assert "replicas" not in spec
        assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        assert budgets[name]["selector"]["matchLabels"] == labels
        assert budgets[name]["minAvailable"] == 1
        scaler = scalers[name]
        assert scaler["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        assert 2 <= scaler["minReplicas"] < scaler["maxReplicas"]
        # Utilisation is a share of the request: without a CPU request the HPA cannot act.
        [metric] = scaler["metrics"]
        assert metric["resource"]["name"] == "cpu"


def test_deployments_serve_only_once_the_migration_job_has_run() -> None:
    """The Job migrates every schema; each Deployment's init container waits for its own."""
    docs = k8s_documents()
    [job] = [d for d in docs if d["kind"] == "Job"]
    [migrate] = job["spec"]["template"]["spec"]["containers"]
    assert migrate["command"] == ["python", "-m", "deploy.local.migrate"]
    for deployment in k8s_apps():
        name = deployment["metadata"]["name"]
        pod = deployment["spec"]["template"]["spec"]
        [init] = pod["initContainers"]
        assert init["image"] == pod["containers"][0]["image"] == migrate["image"]
        assert init["envFrom"] == pod["containers"][0]["envFrom"]
        command = init["command"]
        assert check_command(command) is None
        assert command[3:5] == ["--check", "--wait"] and float(command[5]) > 0
        assert command[6:] == ["--schema", name] and name in SCHEMAS


def test_compose_apps_start_only_after_the_migration() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in DEFAULT_PORTS:
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["migrate"]["restart"] == "no"


def interpolate(value: str, env: dict[str, str]) -> str:
    """A compose value with its ${NAME:-default} and ${NAME:?message} filled from `env`."""

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match["name"], match["kind"], match["rest"]
        if name in env:
            return env[name]
        assert kind == ":-", f"{name} must be set"
        return rest

    return re.sub(r"\$\{(?P<name>[A-Z0-9_]+)(?P<kind>:-|:\?)(?P<rest>[^}]*)\}", one, value)


def test_every_service_runs_edge_mode_and_the_gateway_does_not() -> None:
    services = compose_services()
    for name in SERVICES:
        assert services[name]["environment"]["PENSION_EDGE_DATA_PATH"] == "true"
    assert "PENSION_EDGE_DATA_PATH" not in services["gateway"]["environment"]
    config = next(d for d in k8s_documents() if d["kind"] == "ConfigMap")
    assert "PENSION_EDGE_DATA_PATH" not in config["data"]
    for deployment in k8s_apps():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e["value"] for e in container.get("env", [])}
        on = deployment["metadata"]["name"] in SERVICES
        assert env == ({"PENSION_EDGE_DATA_PATH": "true"} if on else {})
    # The flag parses as the settings read it.
    assert PlatformSettings(edge_data_path="true").edge_data_path is True  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "operator_set",
    [
        {},
        {
            "PENSION_GATEWAY_RATE_LIMIT_PER_SECOND": "50",
            "PENSION_GATEWAY_CORS_ORIGINS": '["https://ui"]',
        },
    ],
)
def test_the_services_edge_settings_equal_the_gateways(operator_set: dict[str, str]) -> None:
    """Rate, burst, sync, answer cap and CORS origins: one value for the gateway and the
    services, in compose (whatever the operator sets) and in k8s."""
    env = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-app"]["environment"]
    for name in (*SERVICES, "gateway"):  # none overrides them
        app_env = compose_services()[name]["environment"]
        assert all(app_env[k] == env[k] for pair in EDGE_EQUALS_GATEWAY.items() for k in pair)
    filled = {
        k: interpolate(env[k], operator_set) for pair in EDGE_EQUALS_GATEWAY.items() for k in pair
    }
    for edge, gateway in EDGE_EQUALS_GATEWAY.items():
        assert filled[edge] == filled[gateway], edge
    # The defaults are the code's: nothing changes for an operator who sets none.
    if not operator_set:
        defaults = GatewaySettings()
        for gateway in EDGE_EQUALS_GATEWAY.values():
            field = gateway.removeprefix("PENSION_GATEWAY_").lower()
            assert json.loads(filled[gateway]) == getattr(defaults, field), gateway
    config = next(d for d in k8s_documents() if d["kind"] == "ConfigMap")["data"]
    for edge, gateway in EDGE_EQUALS_GATEWAY.items():
        assert config[edge] == config[gateway], edge


def test_compose_edge_is_the_data_path() -> None:
    """The edge renders the data-path template with the gateway's credential and per-caller
    rate, and sits on one network with the gateways and the services only."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services, edge = compose["services"], compose["services"]["edge"]
    template = render.DATA_PATH_TEMPLATE.relative_to(ROOT)
    assert edge["volumes"][0] == f"./{template}:/etc/nginx/templates/nginx.conf.template:ro"
    env = edge["environment"]
    assert env["NGINX_ENVSUBST_FILTER"] == "^EDGE_"
    values = {k: v for k, v in env.items() if k.startswith("EDGE_")}
    assert set(values) == render.variables(render.DATA_PATH_TEMPLATE.read_text())
    secret = compose["x-app"]["environment"]["PENSION_SERVICE_CREDENTIAL"]
    assert values["EDGE_SERVICE_CREDENTIAL"] == secret
    for name in SERVICES:
        assert values[f"EDGE_{name.upper()}"] == f"{name}:{DEFAULT_PORTS[name]}"
    operator = {"PENSION_SERVICE_CREDENTIAL": "c" * 64, "PENSION_GATEWAY_RATE_LIMIT_BURST": "9"}
    shipped = render.render(
        {k: interpolate(v, operator) for k, v in values.items()},
        render.DATA_PATH_TEMPLATE.read_text(),
    )
    assert "zone=per_token:10m rate=200r/s;" in shipped and "burst=9 nodelay;" in shipped
    assert f'X-Gateway-Credential "{"c" * 64}";' in shipped
    assert "server enrollment:8101;" in shipped and "server gateway:8000 " in shipped
    assert not render.VARIABLE.search(shipped)
    # Networks: the edge on its own with the gateways and the services.
    assert set(edge["networks"]) == {"edge"}
    on_edge = {n for n, s in services.items() if "edge" in s.get("networks", [])}
    assert on_edge == set(DEFAULT_PORTS) | {"edge"}
    for name in SERVICES:
        assert "ports" not in services[name]
        assert services[name]["deploy"]["replicas"] >= 2


def test_kubernetes_edge_is_the_data_path() -> None:
    """The edge Deployment renders the data-path template (a ConfigMap made from the file)
    with the credential from the Secret and the gateway's per-caller rate from the config."""
    text = (ROOT / "deploy/k8s/pension.yaml").read_text()
    assert "--from-file=nginx.conf.template=deploy/edge/nginx-data-path.conf.template" in text
    docs = k8s_documents()
    config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
    [edge] = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "edge"]
    pod = edge["spec"]["template"]["spec"]
    [container] = pod["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["EDGE_SERVICE_CREDENTIAL"]["valueFrom"] == {
        "secretKeyRef": {"name": "pension-secrets", "key": "PENSION_SERVICE_CREDENTIAL"}
    }
    for name in ("PENSION_GATEWAY_RATE_LIMIT_PER_SECOND", "PENSION_GATEWAY_RATE_LIMIT_BURST"):
        ref = env[name]["valueFrom"]["configMapKeyRef"]
        assert ref == {"name": "pension-config", "key": name}
    # $(NAME) is the kubelet's expansion of a variable defined before it.
    names = list(env)

    def value(name: str) -> str:
        def one(match: re.Match[str]) -> str:
            assert names.index(match[1]) < names.index(name)
            return config[match[1]]

        return re.sub(r"\$\(([A-Z0-9_]+)\)", one, env[name]["value"])

    values = {
        n: "c" * 64 if n == "EDGE_SERVICE_CREDENTIAL" else value(n)
        for n in env
        if n.startswith("EDGE_")
    }
    assert set(values) == render.variables(render.DATA_PATH_TEMPLATE.read_text())
    for name in SERVICES:
        assert values[f"EDGE_{name.upper()}"] == f"{name}:{DEFAULT_PORTS[name]}"
    shipped = render.render(values, render.DATA_PATH_TEMPLATE.read_text())
    assert "zone=per_token:10m rate=200r/s;" in shipped and "burst=400 nodelay;" in shipped
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    template = mounts["/etc/nginx/templates/nginx.conf.template"]
    assert volumes[template["name"]]["configMap"] == {"name": "pension-edge-template"}
    certs = mounts[values["EDGE_CERTS"]]
    assert volumes[certs["name"]]["secret"] == {"secretName": "pension-tls"}
