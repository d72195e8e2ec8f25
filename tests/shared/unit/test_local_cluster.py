"""`make up-cluster`'s layout (deploy/local/cluster.py) and the NATS URL list setting."""

import json
from pathlib import Path

from deploy.local.cluster import gateway_service_urls, local_nats_cluster, replica_ports
from deploy.local.nats_cluster import NatsCluster
from shared.settings import PlatformSettings


def test_two_replicas_of_every_app_on_ports_ten_apart() -> None:
    ports = replica_ports({"gateway": 8000, "payout": 8103})
    assert ports == {"gateway": [8000, 8010], "payout": [8103, 8113]}
    assert json.loads(gateway_service_urls(ports)) == {
        "payout": "http://127.0.0.1:8103,http://127.0.0.1:8113"
    }
    assert replica_ports({"payout": 8103}, 1) == {"payout": [8103]}


def test_three_nodes_with_stores_of_their_own(tmp_path: Path) -> None:
    cluster = local_nats_cluster(tmp_path, 54222)
    assert cluster.url == "nats://127.0.0.1:54222,nats://127.0.0.1:54223,nats://127.0.0.1:54224"
    assert [n.data_dir for n in cluster.nodes] == [
        tmp_path / "nats-cluster" / name for name in ("n1", "n2", "n3")
    ]
    assert len({n.route_port for n in cluster.nodes}) == 3


def test_a_test_cluster_never_gets_one_port_twice(tmp_path: Path) -> None:
    # Nine ports asked for one after another: a node once failed to bind its neighbour's.
    for _ in range(20):
        nodes = NatsCluster.on_free_ports(tmp_path).nodes
        ports = [p for n in nodes for p in (n.port, n.route_port, n.monitor_port)]
        assert len(set(ports)) == 9


def test_the_nats_url_may_list_several_servers() -> None:
    one = PlatformSettings(nats_url="nats://a:4222", dev_mode=True)
    several = PlatformSettings(nats_url="nats://a:4222, nats://b:4222,", dev_mode=True)
    assert one.nats_servers == ["nats://a:4222"] and one.nats_replicas == 1
    assert several.nats_servers == ["nats://a:4222", "nats://b:4222"]
