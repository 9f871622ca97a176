"""Task placement tables: resources filter, constraints bind, strategies rank (in order).

Mostly through RunTask, the way a learner sees placement; a few checks call
``placement.place`` directly to see its explanation (per-instance reasons, the closest instance).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import ecsedu
from ecsedu.engine import placement

RESERVED = ("22", "2375", "2376", "51678", "51679")


def container(
    name: str = "app", *, cpu: int = 0, memory: int = 128, **extra: Any
) -> dict[str, Any]:
    return {"name": name, "image": "busybox", "cpu": cpu, "memory": memory, **extra}


def engine(sizes: list[tuple[int, int]], *, seed: int = 0) -> tuple[Any, list[str]]:
    """A cluster ``c`` with one instance per (cpu, memory); returns (ecs, instance ARNs)."""
    ecs = ecsedu.connect(seed=seed)
    ecs.create_cluster(clusterName="c")
    arns: list[str] = []
    for cpu, memory in sizes:
        arns += ecs.add_instances("c", count=1, cpu=cpu, memory=memory)
    return ecs, arns


def register(ecs: Any, family: str = "t", **c: Any) -> str:
    return ecs.register_task_definition(family=family, containerDefinitions=[container(**c)])[
        "taskDefinition"
    ]["taskDefinitionArn"]


def run(ecs: Any, td: str, count: int = 1, **params: Any) -> dict[str, Any]:
    return ecs.run_task(cluster="c", taskDefinition=td, count=count, **params)


def hosts(response: dict[str, Any]) -> list[str]:
    return [t["containerInstanceArn"] for t in response["tasks"]]


def az_of(ecs: Any, arn: str) -> str:
    inst = ecs.describe_container_instances(cluster="c", containerInstances=[arn])
    attrs = inst["containerInstances"][0]["attributes"]
    return next(a["value"] for a in attrs if a["name"] == "ecs.availability-zone")


# -- resources ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "task", "expected"),
    [
        # instances: (cpu, memory); binpack keeps the one with the least remaining that fits
        ("memory", {"memory": 1500}, 1),  # 1024 is too small; 2048 is fuller than 4096
        ("memory", {"memory": 3000}, 2),
        ("memory", {"memory": 500}, 0),
        ("cpu", {"cpu": 1500, "memory": 64}, 1),
        ("cpu", {"cpu": 100, "memory": 64}, 0),
    ],
)
def test_binpack_picks_the_fullest_instance_that_fits(
    field: str, task: dict[str, int], expected: int
) -> None:
    ecs, arns = engine([(1024, 1024), (2048, 2048), (4096, 4096)])
    td = register(ecs, **task)
    placed = run(ecs, td, placementStrategy=[{"type": "binpack", "field": field}])
    assert hosts(placed) == [arns[expected]]


def test_binpack_fills_one_instance_before_the_next() -> None:
    ecs, arns = engine([(2048, 4096)] * 3)
    td = register(ecs, memory=1024)
    placed = run(ecs, td, 8, placementStrategy=[{"type": "binpack", "field": "memory"}])
    assert Counter(hosts(placed)) == {arns[0]: 4, arns[1]: 4}


def test_spread_by_zone_then_instance_balances_both() -> None:
    ecs, arns = engine([(2048, 4096)] * 6)
    td = register(ecs)
    strategy = [
        {"type": "spread", "field": "attribute:ecs.availability-zone"},
        {"type": "spread", "field": "instanceId"},
    ]
    first = run(ecs, td, 3, placementStrategy=strategy)
    assert len({az_of(ecs, a) for a in hosts(first)}) == 3  # one per zone first
    second = run(ecs, td, 3, placementStrategy=strategy)
    assert Counter(hosts(first) + hosts(second)) == {a: 1 for a in arns}


def test_spread_counts_only_the_same_group() -> None:
    ecs, arns = engine([(2048, 4096)] * 2)
    td = register(ecs)
    spread = [{"type": "spread", "field": "instanceId"}]
    run(ecs, td, 2, placementStrategy=[{"type": "binpack", "field": "memory"}], group="other")
    placed = run(ecs, td, 2, placementStrategy=spread, group="mine")
    assert sorted(hosts(placed)) == sorted(arns)


def test_chained_strategies_break_ties_in_order() -> None:
    """spread by zone, then binpack on memory: within the emptiest zone, the fullest instance."""
    ecs, arns = engine([(2048, 4096)] * 6)  # zones a, b, c, a, b, c
    big = register(ecs, "big", memory=1024)
    ecs.start_task(cluster="c", taskDefinition=big, containerInstances=[arns[3]], group="x")
    td = register(ecs, memory=128)
    placed = run(
        ecs,
        td,
        placementStrategy=[
            {"type": "spread", "field": "attribute:ecs.availability-zone"},
            {"type": "binpack", "field": "memory"},
        ],
    )
    # every zone is empty of this group; binpack then prefers instance 3 (1024 MiB used)
    assert hosts(placed) == [arns[3]]


def test_random_is_seeded() -> None:
    def choices(seed: int) -> list[str]:
        ecs, arns = engine([(4096, 8192)] * 8, seed=seed)
        td = register(ecs)
        picked = hosts(run(ecs, td, 10, placementStrategy=[{"type": "random"}]))
        return [str(arns.index(a)) for a in picked]

    assert choices(1) == choices(1)
    assert len({tuple(choices(s)) for s in range(4)}) > 1


def test_run_task_default_is_random_and_service_default_spreads() -> None:
    ecs, arns = engine([(4096, 8192)] * 3)
    td = register(ecs)
    ecs.create_service(cluster="c", serviceName="s", taskDefinition=td, desiredCount=6)
    ecs.advance(30)
    tasks = ecs.list_tasks(cluster="c", serviceName="s")["taskArns"]
    described = ecs.describe_tasks(cluster="c", tasks=tasks)["tasks"]
    assert Counter(t["containerInstanceArn"] for t in described) == {a: 2 for a in arns}


# -- constraints -------------------------------------------------------------------------------
def test_distinct_instance_places_at_most_one_per_instance() -> None:
    ecs, arns = engine([(4096, 8192)] * 2)
    td = register(ecs)
    placed = run(ecs, td, 3, placementConstraints=[{"type": "distinctInstance"}])
    assert sorted(hosts(placed)) == sorted(arns)
    assert {f["arn"] for f in placed["failures"]} <= set(arns)
    assert placed["failures"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("attribute:ecs.availability-zone == us-east-1b", [1]),
        ("attribute:ecs.availability-zone in [us-east-1a, us-east-1c]", [0, 2]),
        ("attribute:stack exists", [0, 1]),
        ("attribute:stack == prod and attribute:ecs.availability-zone != us-east-1a", [1]),
        ("attribute:stack == prod or attribute:ecs.availability-zone == us-east-1c", [0, 1, 2]),
        ("not(attribute:stack == prod)", [2]),
        ("attribute:ecs.instance-type =~ t3.*", [0, 1, 2]),
        ("agentConnected == true", [0, 1, 2]),
    ],
)
def test_member_of_keeps_only_matching_instances(expression: str, expected: list[int]) -> None:
    ecs = ecsedu.connect()
    ecs.create_cluster(clusterName="c")
    arns = ecs.add_instances("c", count=2, attributes={"stack": "prod"})
    arns += ecs.add_instances("c", count=1)
    td = register(ecs)
    placed = run(
        ecs,
        td,
        10,
        placementConstraints=[{"type": "memberOf", "expression": expression}],
        placementStrategy=[{"type": "spread", "field": "instanceId"}],
    )
    assert sorted({arns.index(a) for a in hosts(placed)}) == expected


def test_member_of_from_the_task_definition_applies() -> None:
    ecs, arns = engine([(2048, 4096)] * 3)
    td = ecs.register_task_definition(
        family="t",
        containerDefinitions=[container()],
        placementConstraints=[
            {"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1c"}
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    assert set(hosts(run(ecs, td, 5))) == {arns[2]}


def test_member_of_matching_nothing_fails_with_the_constraint() -> None:
    ecs, arns = engine([(2048, 4096)] * 2)
    td = register(ecs)
    placed = run(
        ecs,
        td,
        placementConstraints=[
            {"type": "memberOf", "expression": "attribute:ecs.instance-type == p4d.24xlarge"}
        ],
    )
    assert placed["tasks"] == []
    assert sorted(f["arn"] for f in placed["failures"]) == sorted(arns)
    assert {f["reason"] for f in placed["failures"]} == {
        "MemberOf placement constraint unsatisfied."
    }


# -- failures: resources, ports, agent, draining ------------------------------------------------
@pytest.mark.parametrize(
    ("task", "reason"),
    [({"cpu": 4096, "memory": 64}, "RESOURCE:CPU"), ({"memory": 8192}, "RESOURCE:MEMORY")],
)
def test_too_big_fails_with_the_resource_and_the_instance_arn(
    task: dict[str, int], reason: str
) -> None:
    ecs, arns = engine([(2048, 4096)] * 2)
    placed = run(ecs, register(ecs, **task))
    assert placed["tasks"] == []
    assert sorted(placed["failures"], key=lambda f: f["arn"]) == sorted(
        ({"arn": a, "reason": reason} for a in arns), key=lambda f: f["arn"]
    )


def test_static_host_ports_clash_and_dynamic_ports_do_not() -> None:
    ecs, arns = engine([(4096, 8192)])
    static = register(ecs, "static", portMappings=[{"containerPort": 80, "hostPort": 8080}])
    dynamic = register(ecs, "dynamic", portMappings=[{"containerPort": 80, "hostPort": 0}])
    omitted = register(ecs, "omitted", portMappings=[{"containerPort": 80}])
    assert len(run(ecs, static)["tasks"]) == 1
    second = run(ecs, static)
    assert second == {"tasks": [], "failures": [{"arn": arns[0], "reason": "RESOURCE:PORTS"}]}
    assert len(run(ecs, dynamic, 5)["tasks"]) == 5
    assert len(run(ecs, omitted, 5)["tasks"]) == 5


def test_udp_and_tcp_ports_are_separate() -> None:
    ecs, _ = engine([(4096, 8192)])
    tcp = register(ecs, "tcp", portMappings=[{"containerPort": 53, "hostPort": 53}])
    udp = register(
        ecs, "udp", portMappings=[{"containerPort": 53, "hostPort": 53, "protocol": "udp"}]
    )
    assert len(run(ecs, tcp)["tasks"]) == 1
    assert len(run(ecs, udp)["tasks"]) == 1
    assert run(ecs, udp)["failures"][0]["reason"] == "RESOURCE:PORTS"


@pytest.mark.parametrize("port", RESERVED)
def test_agent_reserved_ports_are_taken(port: str) -> None:
    ecs, arns = engine([(4096, 8192)])
    td = register(ecs, portMappings=[{"containerPort": int(port), "hostPort": int(port)}])
    assert run(ecs, td)["failures"] == [{"arn": arns[0], "reason": "RESOURCE:PORTS"}]


def test_reserved_ports_are_listed_and_a_static_port_is_added_then_released() -> None:
    ecs, arns = engine([(2048, 4096)])
    td = register(ecs, cpu=100, memory=100, portMappings=[{"containerPort": 80, "hostPort": 80}])

    def resources(kind: str) -> dict[str, Any]:
        inst = ecs.describe_container_instances(cluster="c", containerInstances=arns)
        out = {}
        for r in inst["containerInstances"][0][kind]:
            out[r["name"]] = r.get("stringSetValue", r.get("integerValue"))
        return out

    registered = resources("registeredResources")
    assert sorted(registered["PORTS"]) == sorted(RESERVED)
    assert registered["CPU"] == 2048
    assert registered["MEMORY"] == 4096
    task = run(ecs, td)["tasks"][0]
    remaining = resources("remainingResources")
    assert sorted(remaining["PORTS"]) == sorted((*RESERVED, "80"))
    assert remaining["CPU"] == 1948
    assert remaining["MEMORY"] == 3996
    ecs.advance(30)
    ecs.stop_task(cluster="c", task=task["taskArn"])
    ecs.advance(60)
    remaining = resources("remainingResources")
    assert sorted(remaining["PORTS"]) == sorted(RESERVED)
    assert remaining["CPU"] == 2048
    assert remaining["MEMORY"] == 4096


def test_disconnected_agent_fails_with_agent() -> None:
    ecs, arns = engine([(2048, 4096)] * 2)
    ecs.inject("agent_disconnect", instance=arns[0])
    td = register(ecs)
    placed = run(ecs, td, 4, placementStrategy=[{"type": "spread", "field": "instanceId"}])
    assert set(hosts(placed)) == {arns[1]}
    ecs.inject("agent_disconnect", instance=arns[1])
    assert run(ecs, td)["failures"] == [
        {"arn": arns[0], "reason": "AGENT"},
        {"arn": arns[1], "reason": "AGENT"},
    ]


def test_draining_instances_never_get_run_task() -> None:
    ecs, arns = engine([(4096, 8192)] * 2)
    ecs.update_container_instances_state(
        cluster="c", containerInstances=[arns[0]], status="DRAINING"
    )
    td = register(ecs)
    placed = [hosts(run(ecs, td, 10)) for _ in range(3)]
    assert {a for batch in placed for a in batch} == {arns[1]}
    ecs.update_container_instances_state(
        cluster="c", containerInstances=[arns[1]], status="DRAINING"
    )
    assert run(ecs, td)["tasks"] == []


def test_partial_success_places_what_fits() -> None:
    ecs, arns = engine([(1024, 1024)])
    td = register(ecs, memory=400)
    placed = run(ecs, td, 5)
    assert len(placed["tasks"]) == 2
    assert placed["failures"] == [{"arn": arns[0], "reason": "RESOURCE:MEMORY"}]


# -- the explanation ---------------------------------------------------------------------------
def test_decision_explains_every_instance_and_names_the_closest() -> None:
    ecs, arns = engine([(256, 4096), (2048, 256), (2048, 4096), (2048, 4096)])
    ecs.inject("agent_disconnect", instance=arns[3])
    ecs.update_container_instances_state(
        cluster="c", containerInstances=[arns[2]], status="DRAINING"
    )
    index = ecs.store.indexes["arn:aws:ecs:us-east-1:123456789012:cluster/c"]
    request = placement.PlacementRequest(cpu=512, memory=512, group="g")
    decision = placement.place(index, request, ecs.store.ids.rng)
    ids = [a.rsplit("/", 1)[1] for a in arns]
    assert decision.instance is None
    assert decision.reasons == {
        ids[0]: "RESOURCE:CPU",
        ids[1]: "RESOURCE:MEMORY",
        ids[2]: "INACTIVE",
        ids[3]: "AGENT",
    }
    assert decision.closest == (1, "RESOURCE:MEMORY")  # got furthest through the filters


# -- attributes (requiresAttributes) --------------------------------------------------------------
def test_a_required_attribute_no_instance_has_fails_with_attribute() -> None:
    ecs, arns = engine([(1024, 1024), (1024, 1024)])
    td = register(ecs, logConfiguration={"logDriver": "splunk", "options": {}})
    required = ecs.describe_task_definition(taskDefinition=td)["taskDefinition"]
    assert {"name": "com.amazonaws.ecs.capability.logging-driver.splunk"} in required[
        "requiresAttributes"
    ]
    response = run(ecs, td)
    assert response["tasks"] == []
    assert response["failures"] == [{"arn": a, "reason": "ATTRIBUTE"} for a in arns]


def test_an_instance_with_the_attribute_takes_the_task() -> None:
    ecs, _ = engine([(1024, 1024)])
    (splunk,) = ecs.add_instances(
        "c", count=1, attributes={"com.amazonaws.ecs.capability.logging-driver.splunk": "x"}
    )
    td = register(ecs, logConfiguration={"logDriver": "splunk", "options": {}})
    assert hosts(run(ecs, td, count=3)) == [splunk] * 3
    assert hosts(run(ecs, register(ecs, family="plain"), count=1)) != []  # default attributes


def test_the_service_event_names_the_missing_attribute() -> None:
    ecs, arns = engine([(1024, 1024)])
    td = register(ecs, logConfiguration={"logDriver": "splunk", "options": {}})
    ecs.create_service(cluster="c", serviceName="s", taskDefinition=td, desiredCount=1)
    ecs.advance(5)
    message = ecs.describe_services(cluster="c", services=["s"])["services"][0]["events"][0]
    instance_id = arns[0].rsplit("/", 1)[1]
    assert message["message"] == (
        "(service s) was unable to place a task because no container instance met all of its "
        f"requirements. The closest matching (container-instance {instance_id}) is missing an "
        "attribute required by your task. For more information, see the Troubleshooting section "
        "of the Amazon ECS Developer Guide."
    )


# -- GPUs --------------------------------------------------------------------------------------
GPU_1 = [{"type": "GPU", "value": "1"}]


def gpu_world(gpus: list[int]) -> tuple[Any, list[str]]:
    """Cluster ``c`` with one instance per entry, each with that many GPUs."""
    ecs = ecsedu.connect(seed=7)
    ecs.create_cluster(clusterName="c")
    arns: list[str] = []
    for n in gpus:
        arns += ecs.add_instances("c", count=1, gpus=n)
    return ecs, arns


def resource(instance: dict[str, Any], kind: str, name: str) -> Any:
    entry = next((r for r in instance[kind] if r["name"] == name), None)
    return None if entry is None else entry.get("stringSetValue", entry.get("integerValue"))


def describe_instance(ecs: Any, arn: str) -> dict[str, Any]:
    out = ecs.describe_container_instances(cluster="c", containerInstances=[arn])
    return dict(out["containerInstances"][0])


def test_gpu_instances_register_their_gpu_ids_and_others_have_no_gpu_resource() -> None:
    ecs, (plain, gpu) = gpu_world([0, 2])
    ids = resource(describe_instance(ecs, gpu), "registeredResources", "GPU")
    assert len(set(ids)) == len(ids) == 2
    assert all(i.startswith("GPU-") for i in ids)
    entry = next(
        r for r in describe_instance(ecs, gpu)["registeredResources"] if r["name"] == "GPU"
    )
    assert entry["type"] == "STRINGSET"
    assert resource(describe_instance(ecs, gpu), "remainingResources", "GPU") == ids
    assert resource(describe_instance(ecs, plain), "registeredResources", "GPU") is None
    assert resource(describe_instance(ecs, plain), "remainingResources", "GPU") is None


def test_register_container_instance_takes_a_gpu_total_resource() -> None:
    ecs = ecsedu.connect()
    ecs.create_cluster(clusterName="c")
    out = ecs.register_container_instance(
        cluster="c",
        totalResources=[
            {"name": "CPU", "type": "INTEGER", "integerValue": 4096},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 15000},
            {"name": "GPU", "type": "STRINGSET", "stringSetValue": ["GPU-a", "GPU-b"]},
        ],
    )["containerInstance"]
    assert resource(out, "registeredResources", "GPU") == ["GPU-a", "GPU-b"]
    assert resource(out, "remainingResources", "GPU") == ["GPU-a", "GPU-b"]


def test_a_gpu_task_runs_only_where_a_gpu_is_free_and_gets_its_id() -> None:
    ecs, (plain, gpu) = gpu_world([0, 2])
    td = register(ecs, resourceRequirements=GPU_1)
    placed = run(ecs, td, 3)
    assert hosts(placed) == [gpu, gpu]
    assert placed["failures"] == [
        {"arn": plain, "reason": "RESOURCE:GPU"},
        {"arn": gpu, "reason": "RESOURCE:GPU"},
    ]
    registered = resource(describe_instance(ecs, gpu), "registeredResources", "GPU")
    assigned = [t["containers"][0]["gpuIds"] for t in placed["tasks"]]
    assert assigned == [[registered[0]], [registered[1]]]
    assert resource(describe_instance(ecs, gpu), "remainingResources", "GPU") == []
    described = ecs.describe_tasks(cluster="c", tasks=[t["taskArn"] for t in placed["tasks"]])
    assert [t["containers"][0]["gpuIds"] for t in described["tasks"]] == assigned


def test_run_task_without_enough_gpus_fails_with_resource_gpu() -> None:
    ecs, arns = gpu_world([0, 1])
    td = ecs.register_task_definition(
        family="two",
        containerDefinitions=[
            container("a", resourceRequirements=GPU_1),
            container("b", resourceRequirements=GPU_1),
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    out = run(ecs, td)
    assert out["tasks"] == []
    assert out["failures"] == [{"arn": a, "reason": "RESOURCE:GPU"} for a in arns]


def test_a_stopped_gpu_task_gives_its_gpus_back() -> None:
    ecs, (gpu,) = gpu_world([1])
    td = register(ecs, resourceRequirements=GPU_1)
    [task] = run(ecs, td)["tasks"]
    assert run(ecs, td)["failures"] == [{"arn": gpu, "reason": "RESOURCE:GPU"}]
    ecs.advance(10)
    ecs.stop_task(cluster="c", task=task["taskArn"])
    ecs.advance(60)
    registered = resource(describe_instance(ecs, gpu), "registeredResources", "GPU")
    assert resource(describe_instance(ecs, gpu), "remainingResources", "GPU") == registered
    [again] = run(ecs, td)["tasks"]
    assert again["containers"][0]["gpuIds"] == registered


def test_tasks_without_gpu_requirements_ignore_gpus() -> None:
    ecs, (gpu,) = gpu_world([1])
    placed = run(ecs, register(ecs), 2)
    assert len(placed["tasks"]) == 2
    assert all("gpuIds" not in t["containers"][0] for t in placed["tasks"])
    assert resource(describe_instance(ecs, gpu), "remainingResources", "GPU") == resource(
        describe_instance(ecs, gpu), "registeredResources", "GPU"
    )


def test_the_gpu_reason_explains_placement_and_the_service_event() -> None:
    ecs, (plain,) = gpu_world([0])
    td = register(ecs, resourceRequirements=GPU_1)
    ecs.create_service(cluster="c", serviceName="g", taskDefinition=td, desiredCount=1)
    ecs.advance(5)
    [service] = ecs.describe_services(cluster="c", services=["g"])["services"]
    instance_id = plain.rsplit("/", 1)[1]
    assert service["events"][0]["message"] == (
        "(service g) was unable to place a task because no container instance met all of its "
        f"requirements. The closest matching (container-instance {instance_id}) has "
        "insufficient GPU available. For more information, see the Troubleshooting section of "
        "the Amazon ECS Developer Guide."
    )
    index = ecs.store.indexes[ecs.store.find_cluster("c").arn]
    decision = placement.place(
        index,
        placement.PlacementRequest(cpu=0, memory=128, group="g", gpus=1),
        ecs.store.placement_rng,
    )
    assert decision.instance is None
    assert decision.reasons == {instance_id: "RESOURCE:GPU"}
    assert dict(decision.rejected) == {"RESOURCE:GPU": 1}


def test_gpu_shortage_is_counted_on_the_big_cluster_path() -> None:
    ecs, arns = gpu_world([0] * 70 + [1])
    td = register(ecs, resourceRequirements=GPU_1)
    index = ecs.store.indexes[ecs.store.find_cluster("c").arn]
    request = placement.PlacementRequest(cpu=0, memory=128, group="g", gpus=1)
    decision = placement.place(index, request, ecs.store.placement_rng)
    assert decision.instance == 70
    assert dict(decision.rejected) == {"RESOURCE:GPU": 70}
    placed = run(ecs, td, 2)
    assert hosts(placed) == [arns[70]]
    assert {f["reason"] for f in placed["failures"]} == {"RESOURCE:GPU"}


def test_gpu_assignments_survive_save_and_load(tmp_path: Any) -> None:
    ecs, (gpu,) = gpu_world([2])
    td = register(ecs, resourceRequirements=GPU_1)
    [task] = run(ecs, td)["tasks"]
    ecs.advance(10)
    path = str(tmp_path / "state.json")
    ecs.save(path)
    again = ecsedu.connect(state=path)
    assert (
        describe_instance(again, gpu)["remainingResources"]
        == (describe_instance(ecs, gpu)["remainingResources"])
    )
    [back] = again.describe_tasks(cluster="c", tasks=[task["taskArn"]])["tasks"]
    assert back["containers"][0]["gpuIds"] == task["containers"][0]["gpuIds"]
    [second] = run(again, td)["tasks"]
    assert second["containers"][0]["gpuIds"] != task["containers"][0]["gpuIds"]
    assert run(again, td)["failures"] == [{"arn": gpu, "reason": "RESOURCE:GPU"}]
