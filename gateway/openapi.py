"""One OpenAPI document merged from every service's own, cached for a short while."""

import asyncio
import copy
import json
import time
from typing import Any

import httpx
import structlog

from shared.http.openapi_problems import add_problem_responses

log = structlog.get_logger(__name__)


# What the gateway itself may answer for any forwarded call.
GATEWAY_PROBLEMS = {
    502: "Bad gateway: the service could not be reached",
    504: "Gateway timeout: the service did not answer in time",
}


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name in renames:
                return {**node, "$ref": f"#/components/schemas/{renames[name]}"}
        return {k: _rename_refs(v, renames) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


def _clashes(service: str, theirs: dict[str, Any], merged: dict[str, Any]) -> dict[str, str]:
    """The service's schema names to prefix: those that differ from a merged one of the same
    name, and then those that refer to a prefixed one (a generic `Page_ParameterOut_` reads
    the same in two services yet means each service's own `ParameterOut`)."""
    renames: dict[str, str] = {}
    while True:
        more = {
            name: f"{service}__{name}"
            for name, schema in theirs.items()
            if name in merged
            and name not in renames
            and json.dumps(merged[name], sort_keys=True)
            != json.dumps(_rename_refs(schema, renames), sort_keys=True)
        }
        if not more:
            return renames
        renames |= more


def merge_specs(base: dict[str, Any], specs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Merge service specs into the gateway's; clashing schema names get a service prefix."""
    merged = copy.deepcopy(base)
    paths = merged.setdefault("paths", {})
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    for service, spec in sorted(specs.items()):
        theirs = spec.get("components", {}).get("schemas", {})
        renames = _clashes(service, theirs, schemas)
        spec = _rename_refs(spec, renames)
        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            schemas[renames.get(name, name)] = schema
        for path, item in spec.get("paths", {}).items():
            paths[path] = item
    merged["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    merged["security"] = [{"bearer": []}]
    return add_problem_responses(merged, GATEWAY_PROBLEMS)


class OpenApiMerger:
    """Fetches the services' specs and keeps the merged document for a few seconds."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        service_urls: dict[str, list[str]],
        ttl_seconds: float,
        fetch_timeout: float = 15.0,
    ) -> None:
        self.client = client
        self.service_urls = service_urls
        self.ttl = ttl_seconds
        # A service builds its document on the first call (payout's: 0.6 s on a quiet
        # machine, several seconds on a busy one): slow is not down, so it gets the time a
        # forwarded call gets.
        self.fetch_timeout = fetch_timeout
        self._cached: tuple[float, dict[str, Any]] | None = None

    async def document(self, base: dict[str, Any]) -> dict[str, Any]:
        """The merged spec; services that are down are left out (and retried next time)."""
        if self._cached and time.monotonic() - self._cached[0] < self.ttl:
            return self._cached[1]
        results = await asyncio.gather(
            *(self._fetch(name, urls) for name, urls in self.service_urls.items())
        )
        specs = {name: spec for name, spec in results if spec is not None}
        merged = merge_specs(base, specs)
        merged.setdefault("info", {})["x-services-missing"] = sorted(
            set(self.service_urls) - set(specs)
        )
        if len(specs) == len(self.service_urls):
            self._cached = (time.monotonic(), merged)
        return merged

    async def _fetch(self, name: str, urls: list[str]) -> tuple[str, dict[str, Any] | None]:
        """The service's spec from the first of its replicas that gives it."""
        for url in urls:
            try:
                response = await self.client.get(
                    f"{url}/v1/{name}/openapi.json", timeout=self.fetch_timeout
                )
                response.raise_for_status()
                return name, response.json()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("openapi_fetch_failed", service=name, replica=url, error=str(exc))
        return name, None
