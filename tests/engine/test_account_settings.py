"""Account settings (Put/PutDefault/List/Delete) and the cluster settings they feed
(CreateCluster's default containerInsights, UpdateClusterSettings, UpdateCluster)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

import ecsedu

ROOT = "arn:aws:iam::123456789012:root"
ROLE = "arn:aws:iam::123456789012:role/deployer"
USER = "arn:aws:iam::123456789012:user/path/alice"
NAMESPACE = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-abc"


@pytest.fixture
def ecs() -> Any:
    return ecsedu.connect(seed=1)


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    e = excinfo.value.response["Error"]
    return str(e["Code"]), str(e["Message"])


def effective(ecs: Any, name: str, principal: str = ROOT) -> str:
    (entry,) = ecs.list_account_settings(name=name, effectiveSettings=True, principalArn=principal)[
        "settings"
    ]
    return str(entry["value"])


def test_defaults_of_a_new_account(ecs: Any) -> None:
    settings = ecs.get_paginator("list_account_settings").paginate(effectiveSettings=True)
    values = {s["name"]: s["value"] for page in settings for s in page["settings"]}
    assert values == {
        "awsvpcTrunking": "disabled",
        "containerInsights": "disabled",
        "containerInstanceLongArnFormat": "enabled",
        "defaultLogDriverMode": "non-blocking",
        "fargateEventWindows": "disabled",
        "fargateFIPSMode": "disabled",
        "fargateTaskRetirementWaitPeriod": "7",
        "guardDutyActivate": "off",
        "serviceLongArnFormat": "enabled",
        "tagResourceAuthorization": "on",
        "taskLongArnFormat": "enabled",
    }
    assert ecs.list_account_settings() == {"settings": []}  # nothing set explicitly


def test_put_without_principal_sets_the_callers_that_is_the_roots(ecs: Any) -> None:
    answer = ecs.put_account_setting(name="containerInsights", value="enhanced")
    assert answer == {
        "setting": {
            "name": "containerInsights",
            "value": "enhanced",
            "principalArn": ROOT,
            "type": "user",
        }
    }
    assert ecs.list_account_settings()["settings"] == [answer["setting"]]
    assert effective(ecs, "containerInsights", ROLE) == "enhanced"  # the account default


def test_a_principal_overrides_the_default_until_deleted(ecs: Any) -> None:
    ecs.put_account_setting_default(name="awsvpcTrunking", value="enabled")
    ecs.put_account_setting(name="awsvpcTrunking", value="disabled", principalArn=USER)
    assert effective(ecs, "awsvpcTrunking", USER) == "disabled"
    assert effective(ecs, "awsvpcTrunking", ROLE) == "enabled"
    own = ecs.list_account_settings(principalArn=USER)["settings"]
    assert own == [
        {"name": "awsvpcTrunking", "value": "disabled", "principalArn": USER, "type": "user"}
    ]
    deleted = ecs.delete_account_setting(name="awsvpcTrunking", principalArn=USER)
    assert deleted["setting"]["value"] == "disabled"
    assert effective(ecs, "awsvpcTrunking", USER) == "enabled"
    ecs.delete_account_setting(name="awsvpcTrunking")
    assert effective(ecs, "awsvpcTrunking", USER) == "disabled"  # AWS's default again


def test_long_arn_formats_can_no_longer_be_disabled(ecs: Any) -> None:
    for name in ("serviceLongArnFormat", "taskLongArnFormat", "containerInstanceLongArnFormat"):
        for call in (ecs.put_account_setting, ecs.put_account_setting_default):
            with pytest.raises(ClientError) as e:
                call(name=name, value="disabled")
            assert error(e) == (
                "InvalidParameterException",
                "You can no longer disable Long Arn settings.",
            )
        assert ecs.put_account_setting(name=name, value="enabled")["setting"]["value"] == "enabled"


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("containerInsights", "enhanced", "on"),
        ("tagResourceAuthorization", "off", "disabled"),
        ("fargateTaskRetirementWaitPeriod", "14", "3"),
        ("defaultLogDriverMode", "blocking", "enabled"),
        ("fargateFIPSMode", "enabled", "yes"),
    ],
)
def test_values_are_checked_per_setting(ecs: Any, name: str, good: str, bad: str) -> None:
    assert ecs.put_account_setting_default(name=name, value=good)["setting"]["value"] == good
    with pytest.raises(ClientError) as e:
        ecs.put_account_setting_default(name=name, value=bad)
    assert error(e)[0] == "InvalidParameterException"
    assert effective(ecs, name) == good


def test_read_only_and_root_only_settings(ecs: Any) -> None:
    with pytest.raises(ClientError) as e:
        ecs.put_account_setting(name="guardDutyActivate", value="on")
    assert error(e)[0] == "InvalidParameterException"
    with pytest.raises(ClientError):
        ecs.delete_account_setting(name="guardDutyActivate")
    listed = ecs.list_account_settings(name="guardDutyActivate", effectiveSettings=True)
    assert listed["settings"][0]["type"] == "aws_managed"
    with pytest.raises(ClientError) as e:
        ecs.put_account_setting(
            name="fargateTaskRetirementWaitPeriod", value="0", principalArn=ROLE
        )
    assert error(e)[0] == "InvalidParameterException"


def test_principals_must_belong_to_the_account(ecs: Any) -> None:
    for bad in ("arn:aws:iam::999999999999:root", "alice", "arn:aws:iam::123456789012:group/x"):
        with pytest.raises(ClientError) as e:
            ecs.put_account_setting(name="containerInsights", value="enabled", principalArn=bad)
        assert error(e)[0] == "InvalidParameterException"


def test_list_filters_and_pages(ecs: Any) -> None:
    enabled = ecs.list_account_settings(
        effectiveSettings=True, name="taskLongArnFormat", value="enabled"
    )
    assert len(enabled["settings"]) == 1
    assert ecs.list_account_settings(
        effectiveSettings=True, name="taskLongArnFormat", value="disabled"
    ) == {"settings": []}
    with pytest.raises(ClientError):
        ecs.list_account_settings(value="enabled")  # value needs name
    first = ecs.list_account_settings(effectiveSettings=True, maxResults=4)
    assert len(first["settings"]) == 4
    rest = ecs.list_account_settings(effectiveSettings=True, nextToken=first["nextToken"])
    assert len(rest["settings"]) == 7
    assert "nextToken" not in rest
    with pytest.raises(ClientError):
        ecs.list_account_settings(maxResults=11)


def test_new_clusters_take_the_container_insights_default(ecs: Any) -> None:
    assert ecs.create_cluster(clusterName="a")["cluster"]["settings"] == [
        {"name": "containerInsights", "value": "disabled"}
    ]
    ecs.put_account_setting_default(name="containerInsights", value="enabled")
    assert ecs.create_cluster(clusterName="b")["cluster"]["settings"] == [
        {"name": "containerInsights", "value": "enabled"}
    ]
    explicit = ecs.create_cluster(
        clusterName="c", settings=[{"name": "containerInsights", "value": "disabled"}]
    )
    assert explicit["cluster"]["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    # existing clusters keep theirs
    (a,) = ecs.describe_clusters(clusters=["a"], include=["SETTINGS"])["clusters"]
    assert a["settings"] == [{"name": "containerInsights", "value": "disabled"}]


def test_update_cluster_settings(ecs: Any) -> None:
    ecs.create_cluster(clusterName="a")
    answer = ecs.update_cluster_settings(
        cluster="a", settings=[{"name": "containerInsights", "value": "enhanced"}]
    )
    assert answer["cluster"]["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    for bad in ("on", "ENABLED"):
        with pytest.raises(ClientError) as e:
            ecs.update_cluster_settings(
                cluster="a", settings=[{"name": "containerInsights", "value": bad}]
            )
        assert error(e)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        ecs.update_cluster_settings(
            cluster="ghost", settings=[{"name": "containerInsights", "value": "enabled"}]
        )
    assert error(e) == ("ClusterNotFoundException", "Cluster not found.")


def test_update_cluster_configuration_and_service_connect_defaults(ecs: Any) -> None:
    ecs.create_cluster(clusterName="a")
    configuration = {
        "executeCommandConfiguration": {
            "logging": "OVERRIDE",
            "logConfiguration": {"cloudWatchLogGroupName": "exec", "s3BucketName": "b"},
        }
    }
    answer = ecs.update_cluster(
        cluster="a", configuration=configuration, serviceConnectDefaults={"namespace": NAMESPACE}
    )["cluster"]
    assert answer["configuration"] == configuration
    assert answer["serviceConnectDefaults"] == {"namespace": NAMESPACE}
    assert answer["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    (described,) = ecs.describe_clusters(clusters=["a"], include=["CONFIGURATIONS"])["clusters"]
    assert described["configuration"] == configuration
    (plain,) = ecs.describe_clusters(clusters=["a"])["clusters"]
    assert "configuration" not in plain  # only with include=["CONFIGURATIONS"]
    # settings alone leave the configuration as it was
    ecs.update_cluster(cluster="a", settings=[{"name": "containerInsights", "value": "enabled"}])
    (described,) = ecs.describe_clusters(clusters=["a"], include=["CONFIGURATIONS", "SETTINGS"])[
        "clusters"
    ]
    assert described["configuration"] == configuration
    assert described["settings"] == [{"name": "containerInsights", "value": "enabled"}]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (
            {"configuration": {"executeCommandConfiguration": {"logging": "OVERRIDE"}}},
            "InvalidParameterException",
        ),
        (
            {
                "configuration": {
                    "executeCommandConfiguration": {
                        "logging": "NONE",
                        "logConfiguration": {"s3BucketName": "b"},
                    }
                }
            },
            "InvalidParameterException",
        ),
        ({"serviceConnectDefaults": {"namespace": "my-namespace"}}, "NamespaceNotFoundException"),
        (
            {"settings": [{"name": "containerInsights", "value": "maybe"}]},
            "InvalidParameterException",
        ),
    ],
)
def test_update_cluster_refuses_and_changes_nothing(
    ecs: Any, params: dict[str, Any], code: str
) -> None:
    ecs.create_cluster(clusterName="a")
    before = ecs.describe_clusters(clusters=["a"], include=["CONFIGURATIONS"])
    with pytest.raises(ClientError) as e:
        ecs.update_cluster(cluster="a", **params)
    assert error(e)[0] == code
    assert ecs.describe_clusters(clusters=["a"], include=["CONFIGURATIONS"]) == before


def test_settings_and_cluster_configuration_survive_save_and_load(ecs: Any, tmp_path: Path) -> None:
    ecs.put_account_setting_default(name="containerInsights", value="enhanced")
    ecs.put_account_setting(name="awsvpcTrunking", value="enabled", principalArn=ROLE)
    ecs.create_cluster(clusterName="a")
    ecs.update_cluster(
        cluster="a",
        configuration={"executeCommandConfiguration": {"logging": "NONE"}},
        serviceConnectDefaults={"namespace": NAMESPACE},
    )
    path = str(tmp_path / "state.json")
    ecs.save(path)
    again = ecsedu.connect(state=path)
    assert effective(again, "containerInsights") == "enhanced"
    assert effective(again, "awsvpcTrunking", ROLE) == "enabled"
    everything = ["CONFIGURATIONS", "SETTINGS", "TAGS"]
    assert again.describe_clusters(clusters=["a"], include=everything) == ecs.describe_clusters(
        clusters=["a"], include=everything
    )
    assert again.create_cluster(clusterName="b")["cluster"]["settings"] == [
        {"name": "containerInsights", "value": "enhanced"}
    ]


def test_create_cluster_checks_settings_and_keeps_configuration(ecs: Any) -> None:
    configuration = {"executeCommandConfiguration": {"logging": "NONE"}}
    created = ecs.create_cluster(clusterName="a", configuration=configuration)["cluster"]
    assert created["configuration"] == configuration
    with pytest.raises(ClientError) as e:
        ecs.create_cluster(
            clusterName="b", settings=[{"name": "containerInsights", "value": "sometimes"}]
        )
    assert error(e)[0] == "InvalidParameterException"
    assert ecs.describe_clusters(clusters=["b"])["failures"][0]["reason"] == "MISSING"
