"""`make up-cluster` (PENSION_LOCAL_CLUSTER=1): the local run as a cluster. Three NATS
JetStream nodes with the stream replicated three ways, and two processes of every service
and of the gateway, the gateway balancing over each service's two (docs/operations.md,
"Running as a cluster")."""

import json
from pathlib import Path

from deploy.local.nats_cluster import NatsCluster

REPLICAS = 2
NATS_NODES = 3
# The second replica of an app listens this far above the first (8000 → 8010, 8101 → 8111).
REPLICA_PORT_STEP = 10


def replica_ports(ports: dict[str, int], replicas: int = REPLICAS) -> dict[str, list[int]]:
    """Every app's replicas' ports, from the first replica's."""
    return {
        name: [port + REPLICA_PORT_STEP * i for i in range(replicas)]
        for name, port in ports.items()
    }


def gateway_service_urls(ports: dict[str, list[int]]) -> str:
    """PENSION_GATEWAY_SERVICE_URLS: each service's replicas, comma-separated."""
    return json.dumps(
        {
            name: ",".join(f"http://127.0.0.1:{p}" for p in replica)
            for name, replica in ports.items()
            if name != "gateway"
        }
    )


def local_nats_cluster(data_dir: Path, first_port: int) -> NatsCluster:
    """The three nodes on consecutive client ports (54222-54224 by default), stores apart
    from the single node's."""
    return NatsCluster(data_dir / "nats-cluster", [first_port + i for i in range(NATS_NODES)])


def cluster_env() -> dict[str, str]:
    """What every app is told in a cluster run (besides the nodes' URLs)."""
    return {"PENSION_NATS_REPLICAS": str(NATS_NODES)}
