"""Nothing is lost: kill -9, restart, every acknowledged change is there; a corrupt state file
is kept aside and reported, never silently replaced."""

from __future__ import annotations

import json
import signal
import time

from tests.server.conftest import start_server

INSTANCE = [
    {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
    {"name": "MEMORY", "type": "INTEGER", "integerValue": 2048},
]


def test_kill_9_loses_no_acknowledged_change(tmp_path):
    served = start_server(tmp_path, "--learners", "2", "--rate", "1000", "--burst", "1000")
    try:
        ecs = served.ecs(0)
        ecs.create_cluster(clusterName="keep")
        ecs.register_container_instance(cluster="keep", totalResources=INSTANCE)
        ecs.register_task_definition(
            family="t", containerDefinitions=[{"name": "c", "image": "busybox", "memory": 32}]
        )
        ecs.create_service(cluster="keep", serviceName="s", taskDefinition="t", desiredCount=1)
        made = [ecs.create_cluster(clusterName=f"n{i}")["cluster"]["clusterArn"] for i in range(8)]
        ecs.update_service(cluster="keep", service="s", desiredCount=2)
        served.ecs(1).create_cluster(clusterName="other")
        keys = (served.learners[0], served.learners[1])
    finally:
        served.stop(signal.SIGKILL)
    assert served.proc.returncode == -signal.SIGKILL
    again = start_server(tmp_path, "--rate", "1000", "--burst", "1000")
    try:
        assert [lr.access_key_id for lr in again.learners[:2]] == [k.access_key_id for k in keys]
        ecs = again.ecs(0)
        arns = ecs.list_clusters()["clusterArns"]
        assert set(made) <= set(arns)
        svc = ecs.describe_services(cluster="keep", services=["s"])["services"][0]
        assert svc["desiredCount"] == 2
        assert len(ecs.list_container_instances(cluster="keep")["containerInstanceArns"]) == 1
        assert again.ecs(1).list_clusters()["clusterArns"][0].endswith(":cluster/other")
    finally:
        again.stop()


def test_corrupt_state_is_kept_aside_and_reported(tmp_path):
    served = start_server(tmp_path, "--learners", "1")
    try:
        served.ecs(0).create_cluster(clusterName="x")
        account = served.learners[0].account_id
    finally:
        served.stop()
    (state,) = tmp_path.glob(f"{account}.*.json")  # the newest checkpoint
    state.write_text('{"format": "ecsedu-state", "version": 1, "clus')  # a damaged file
    again = start_server(tmp_path)
    try:
        output = "".join(again.output)
        assert "PROBLEM:" in output
        assert account in output
        assert "kept aside" in output
        aside = list(tmp_path.glob(f"{account}.*.json.corrupt-*"))
        assert len(aside) == 1
        assert aside[0].read_text().endswith('"clus')  # kept as it was
        assert again.ecs(0).list_clusters()["clusterArns"] == []  # starts empty, and serves
        with open(tmp_path / "accounts.json") as f:
            assert json.load(f)["accounts"][0]["account_id"] == account
    finally:
        again.stop()


def test_kill_9_after_a_checkpoint_replays_the_journal_exactly(tmp_path):
    served = start_server(tmp_path, "--learners", "1", "--rate", "1000", "--burst", "1000")
    try:
        ecs = served.ecs(0)
        ecs.create_cluster(clusterName="c")
        ecs.register_container_instance(cluster="c", totalResources=INSTANCE)
        ecs.register_task_definition(
            family="t", containerDefinitions=[{"name": "c", "image": "busybox", "memory": 32}]
        )
        first = ecs.run_task(cluster="c", taskDefinition="t")["tasks"][0]["taskArn"]
        account = served.learners[0].account_id
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # an idle account gets a checkpoint
            if not any(p.stat().st_size for p in tmp_path.glob(f"{account}.*.journal")):
                generations = {p.name.split(".")[1] for p in tmp_path.glob(f"{account}.*.json")}
                if generations != {"1"}:
                    break
            time.sleep(0.5)
        else:
            raise AssertionError("no idle checkpoint was written")
        second = ecs.run_task(cluster="c", taskDefinition="t")["tasks"][0]["taskArn"]
        ecs.stop_task(cluster="c", task=first, reason="by the test")
        ecs.create_service(cluster="c", serviceName="s", taskDefinition="t", desiredCount=1)
        seen = ecs.describe_tasks(cluster="c", tasks=[first, second])["tasks"]
        (journal,) = tmp_path.glob(f"{account}.*.journal")
        assert journal.stat().st_size > 0
    finally:
        served.stop(signal.SIGKILL)
    with open(journal, "ab") as f:
        f.write(b'{"t": 1, "op": "CreateClus')  # a torn line: never acknowledged
    again = start_server(tmp_path, "--rate", "1000", "--burst", "1000")
    try:
        ecs = again.ecs(0)
        after = ecs.describe_tasks(cluster="c", tasks=[first, second])["tasks"]
        assert [t["taskArn"] for t in after] == [t["taskArn"] for t in seen]
        assert after[0]["desiredStatus"] == "STOPPED"
        assert after[0]["stoppedReason"] == "by the test"
        assert after[1]["desiredStatus"] == "RUNNING"
        assert (
            ecs.describe_services(cluster="c", services=["s"])["services"][0]["status"] == "ACTIVE"
        )
        assert "PROBLEM" not in "".join(again.output)
    finally:
        again.stop()
