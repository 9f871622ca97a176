"""DescribeClusters shows a cluster's ``settings`` with ``include=["SETTINGS"]`` only (botocore's
DescribeClusters ``include`` documentation; without it, ``"settings": []`` as in the AWS CLI's
describe-clusters example); CreateCluster, UpdateCluster, UpdateClusterSettings and
PutClusterCapacityProviders always return them (their AWS CLI examples do)."""

from __future__ import annotations

import ecsedu

ENHANCED = [{"name": "containerInsights", "value": "enhanced"}]
DISABLED = [{"name": "containerInsights", "value": "disabled"}]


def test_describe_clusters_shows_settings_only_when_asked() -> None:
    ecs = ecsedu.connect()
    made = ecs.create_cluster(clusterName="a", settings=ENHANCED)["cluster"]
    assert made["settings"] == ENHANCED
    ecs.create_cluster(clusterName="b")
    (plain,) = ecs.describe_clusters(clusters=["a"])["clusters"]
    assert plain["settings"] == []
    (other,) = ecs.describe_clusters(clusters=["a"], include=["TAGS", "STATISTICS"])["clusters"]
    assert other["settings"] == []
    asked = ecs.describe_clusters(clusters=["a", "b"], include=["SETTINGS"])["clusters"]
    assert [c["settings"] for c in asked] == [ENHANCED, DISABLED]


def test_the_other_cluster_operations_always_return_settings() -> None:
    ecs = ecsedu.connect()
    ecs.create_cluster(clusterName="a")
    assert ecs.update_cluster_settings(cluster="a", settings=ENHANCED)["cluster"]["settings"] == (
        ENHANCED
    )
    updated = ecs.update_cluster(cluster="a", configuration={"executeCommandConfiguration": {}})
    assert updated["cluster"]["settings"] == ENHANCED
    put = ecs.put_cluster_capacity_providers(
        cluster="a", capacityProviders=["FARGATE"], defaultCapacityProviderStrategy=[]
    )
    assert put["cluster"]["settings"] == ENHANCED
    # CreateCluster on an existing cluster answers with it, settings included
    assert ecs.create_cluster(clusterName="a")["cluster"]["settings"] == ENHANCED
