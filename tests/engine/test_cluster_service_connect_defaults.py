"""CreateCluster's serviceConnectDefaults: checked as UpdateCluster's, stored, echoed by
CreateCluster and DescribeClusters, saved with the state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

import ecsedu

NAMESPACE = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-abc"
OTHER = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-def"


@pytest.fixture
def ecs() -> Any:
    return ecsedu.connect(seed=1)


def test_create_cluster_keeps_and_echoes_service_connect_defaults(ecs: Any, tmp_path: Path) -> None:
    created = ecs.create_cluster(clusterName="a", serviceConnectDefaults={"namespace": NAMESPACE})
    assert created["cluster"]["serviceConnectDefaults"] == {"namespace": NAMESPACE}
    (described,) = ecs.describe_clusters(clusters=["a"])["clusters"]
    assert described["serviceConnectDefaults"] == {"namespace": NAMESPACE}
    ecs.create_cluster(clusterName="b")
    (plain,) = ecs.describe_clusters(clusters=["b"])["clusters"]
    assert "serviceConnectDefaults" not in plain
    path = str(tmp_path / "state.json")
    ecs.save(path)
    again = ecsedu.connect(state=path)
    assert again.describe_clusters(clusters=["a"])["clusters"][0]["serviceConnectDefaults"] == {
        "namespace": NAMESPACE
    }
    # UpdateCluster changes what CreateCluster set
    ecs.update_cluster(cluster="a", serviceConnectDefaults={"namespace": OTHER})
    (described,) = ecs.describe_clusters(clusters=["a"])["clusters"]
    assert described["serviceConnectDefaults"] == {"namespace": OTHER}


def test_create_cluster_refuses_an_unknown_namespace_and_creates_nothing(ecs: Any) -> None:
    with pytest.raises(ecs.exceptions.NamespaceNotFoundException) as exc:
        ecs.create_cluster(clusterName="a", serviceConnectDefaults={"namespace": "my-namespace"})
    assert exc.value.response["Error"]["Message"] == (
        "The specified namespace wasn't found: my-namespace"
    )
    assert ecs.list_clusters()["clusterArns"] == []
    with pytest.raises(ClientError):
        ecs.update_cluster(cluster="a", serviceConnectDefaults={"namespace": NAMESPACE})
