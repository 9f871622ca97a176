"""Hand-built snapshots for the render tests: the article's situations without the engine.

``build`` is a small builder: add clusters, instances, task definitions, services and tasks, then
call ``snapshot()``; reserved CPU/memory and the running/pending counts are derived from the
tasks, as the engine derives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from ecsedu.model.snapshot import (
    AlarmView,
    CapacityProviderView,
    ClusterView,
    ContainerDefinitionView,
    ContainerView,
    InstanceView,
    LoadBalancerView,
    MetricSeriesView,
    PortBindingView,
    ScalingActivityView,
    ScalingView,
    ServiceView,
    Snapshot,
    TargetGroupView,
    TargetView,
    TaskDefinitionView,
    TaskView,
)

ACCOUNT = "arn:aws:ecs:us-east-1:123456789012"
PAIR = (("app", "ecsedu/web", 256, 256, 8080), ("metrics", "ecsedu/metrics", 128, 128, None))


@dataclass
class Builder:
    time: float = 1000.0
    clusters: list[ClusterView] = field(default_factory=list)
    instances: list[InstanceView] = field(default_factory=list)
    taskdefs: list[TaskDefinitionView] = field(default_factory=list)
    services: list[ServiceView] = field(default_factory=list)
    tasks: list[TaskView] = field(default_factory=list)
    providers: list[CapacityProviderView] = field(default_factory=list)
    metrics: list[MetricSeriesView] = field(default_factory=list)
    counter: int = 0

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def cluster(self, name: str = "demo", providers: tuple[str, ...] = ()) -> str:
        arn = f"{ACCOUNT}:cluster/{name}"
        self.clusters.append(ClusterView(arn, name, "ACTIVE", 0, 0, 0, 0, providers))
        return arn

    def provider(
        self,
        name: str,
        *,
        group: str | None = None,
        managed: bool = True,
        target: int = 100,
        reservation: float | None = None,
        size: tuple[int, int, int] = (0, 0, 5),  # min, desired, max
    ) -> str:
        """An Auto Scaling group provider (``group`` set) or FARGATE / FARGATE_SPOT."""
        arn = f"{ACCOUNT}:capacity-provider/{name}"
        lo, desired, hi = size
        self.providers.append(
            CapacityProviderView(
                name=name,
                arn=arn,
                kind="ASG" if group else name,
                status="ACTIVE",
                auto_scaling_group=group,
                managed_scaling=managed and group is not None,
                target_capacity=target if managed and group else None,
                reservation=reservation,
                desired_capacity=desired,
                min_size=lo,
                max_size=hi,
                instance_cpu=2048,
                instance_memory=4096,
            )
        )
        return name

    def instance(
        self,
        cluster: str = "demo",
        *,
        cpu: int = 2048,
        memory: int = 4096,
        status: str = "ACTIVE",
        connected: bool = True,
        az: str | None = "us-east-1a",
        provider: str | None = None,
    ) -> str:
        n = self._next()
        iid = f"{n:032x}"
        arn = f"{ACCOUNT}:container-instance/{cluster}/{iid}"
        self.instances.append(
            InstanceView(
                arn=arn,
                id=iid,
                cluster_arn=f"{ACCOUNT}:cluster/{cluster}",
                ec2_instance_id=f"i-{n:017x}",
                status=status,
                agent_connected=connected,
                registered_cpu=cpu,
                registered_memory=memory,
                remaining_cpu=cpu,
                remaining_memory=memory,
                attributes=(),
                running_tasks_count=0,
                pending_tasks_count=0,
                availability_zone=az,
                registered_at=float(n),
                capacity_provider=provider,
            )
        )
        if provider is not None:
            self.providers = [
                replace(p, instances=(*p.instances, arn)) if p.name == provider else p
                for p in self.providers
            ]
        return arn

    def taskdef(
        self,
        family: str = "app",
        containers: tuple[tuple[str, str, int, int, int | None], ...] = PAIR,
    ) -> str:
        revision = 1 + sum(1 for td in self.taskdefs if td.family == family)
        arn = f"{ACCOUNT}:task-definition/{family}:{revision}"
        defs = tuple(
            ContainerDefinitionView(
                name, image, cpu, mem, None, True, (PortBindingView(port, 0),) if port else ()
            )
            for name, image, cpu, mem, port in containers
        )
        self.taskdefs.append(
            TaskDefinitionView(
                arn,
                family,
                revision,
                "ACTIVE",
                "bridge",
                sum(d.cpu for d in defs),
                sum(d.memory or 0 for d in defs),
                defs,
            )
        )
        return arn

    def _td(self, family: str) -> TaskDefinitionView:
        return [td for td in self.taskdefs if td.family == family][-1]

    def service(
        self,
        name: str,
        family: str = "app",
        cluster: str = "demo",
        *,
        desired: int = 1,
        scaling: ScalingView | None = None,
    ) -> str:
        arn = f"{ACCOUNT}:service/{cluster}/{name}"
        self.services.append(
            ServiceView(
                arn=arn,
                name=name,
                cluster_arn=f"{ACCOUNT}:cluster/{cluster}",
                status="ACTIVE",
                task_definition_arn=self._td(family).arn,
                desired_count=desired,
                running_count=0,
                pending_count=0,
                scheduling_strategy="REPLICA",
                launch_type="EC2",
                minimum_healthy_percent=100,
                maximum_percent=200,
                deployments=(),
                events=(),
                created_at=float(self._next()),
                scaling=scaling,
            )
        )
        return arn

    def task(
        self,
        instance: str | None,
        family: str = "app",
        *,
        service: str | None = None,
        cluster: str = "demo",
        status: str = "RUNNING",
        desired: str = "RUNNING",
        stopped_at: float | None = None,
        fargate: str | None = None,  # FARGATE or FARGATE_SPOT: a Fargate task
        provider: str | None = None,  # an EC2 task's Auto Scaling group provider
    ) -> str:
        n = self._next()
        tid = f"{n:08x}" + "0" * 24
        td = self._td(family)
        cstatus = status if status in ("PENDING", "RUNNING", "STOPPED") else "RUNNING"
        cstatus = "PENDING" if status == "PROVISIONING" else cstatus
        containers = tuple(
            ContainerView(d.name, d.image, cstatus, d.essential, d.cpu, d.memory, None)
            for d in td.containers
        )
        arn = f"{ACCOUNT}:task/{cluster}/{tid}"
        self.tasks.append(
            TaskView(
                arn=arn,
                id=tid,
                cluster_arn=f"{ACCOUNT}:cluster/{cluster}",
                task_definition_arn=td.arn,
                family=td.family,
                revision=td.revision,
                container_instance_arn=instance,
                last_status=status,
                desired_status=desired,
                group=f"service:{service}" if service else f"family:{family}",
                started_by=None,
                service_name=service,
                deployment_id=None,
                health_status="UNKNOWN",
                cpu=td.cpu,
                memory=td.memory,
                containers=containers,
                created_at=float(n),
                stopped_at=stopped_at,
                launch_type="FARGATE" if fargate else "EC2",
                capacity_provider=fargate or provider,
                platform_version="1.4.0" if fargate else None,
                private_ip=f"10.0.{n % 3}.{10 + n}"
                if fargate and status != "PROVISIONING"
                else None,
                eni_id=f"eni-{n:017x}" if fargate and status != "PROVISIONING" else None,
                availability_zone=("us-east-1a", "us-east-1b")[n % 2] if fargate else None,
            )
        )
        return arn

    def remove_task(self, arn: str) -> None:
        self.tasks = [t for t in self.tasks if t.arn != arn]

    def snapshot(self) -> Snapshot:
        instances = []
        for inst in self.instances:
            mine = [
                t
                for t in self.tasks
                if t.container_instance_arn == inst.arn and t.last_status != "STOPPED"
            ]
            instances.append(
                replace(
                    inst,
                    remaining_cpu=inst.registered_cpu - sum(t.cpu for t in mine),
                    remaining_memory=inst.registered_memory - sum(t.memory for t in mine),
                    running_tasks_count=sum(t.last_status == "RUNNING" for t in mine),
                    pending_tasks_count=sum(t.last_status == "PENDING" for t in mine),
                )
            )
        services = [
            replace(
                s,
                running_count=sum(
                    t.service_name == s.name and t.last_status == "RUNNING" for t in self.tasks
                ),
                pending_count=sum(
                    t.service_name == s.name and t.last_status == "PENDING" for t in self.tasks
                ),
            )
            for s in self.services
        ]
        clusters = [
            replace(
                c,
                registered_container_instances_count=sum(i.cluster_arn == c.arn for i in instances),
                running_tasks_count=sum(
                    t.cluster_arn == c.arn and t.last_status == "RUNNING" for t in self.tasks
                ),
                pending_tasks_count=sum(
                    t.cluster_arn == c.arn and t.last_status == "PENDING" for t in self.tasks
                ),
                active_services_count=sum(s.cluster_arn == c.arn for s in services),
            )
            for c in self.clusters
        ]
        return Snapshot(
            self.time,
            "simulated",
            tuple(clusters),
            tuple(instances),
            tuple(self.taskdefs),
            tuple(self.tasks),
            tuple(services),
            metrics=tuple(self.metrics),
            capacity_providers=tuple(self.providers),
        )


def seed_builder() -> Builder:
    """The article's closing picture: 3 services with 3, 2 and 1 tasks over two instances."""
    b = Builder()
    b.cluster("demo")
    i1, i2 = b.instance(), b.instance(az="us-east-1b")
    b.taskdef("app")
    b.taskdef("api", (("api", "ecsedu/api", 256, 256, 8081),))
    b.taskdef("worker", (("worker", "ecsedu/worker", 512, 512, None),))
    b.service(
        "web",
        "app",
        desired=3,
        scaling=ScalingView(
            2,
            6,
            (
                AlarmView(
                    "web-cpu-high", "GreaterThanThreshold", 75.0, "CPUUtilization", "OK", 40.0
                ),
                AlarmView("web-cpu-low", "LessThanThreshold", 25.0, "CPUUtilization", "OK", 40.0),
            ),
        ),
    )
    b.service("api", "api", desired=2)
    b.service("worker", "worker", desired=1)
    for inst, svc, fam in (
        (i1, "web", "app"),
        (i2, "web", "app"),
        (i1, "web", "app"),
        (i2, "api", "api"),
        (i1, "api", "api"),
        (i2, "worker", "worker"),
    ):
        b.task(inst, fam, service=svc)
    return b


@pytest.fixture
def build() -> Builder:
    return Builder()


@pytest.fixture
def seed() -> Builder:
    return seed_builder()


# -- a service that scales behind a load balancer ------------------------------------------

HIGH = "TargetTracking-service/demo/web-AlarmHigh-4a3c1f2e-0b7d-4e59-9a51-2f6c1d3e8b70"
LOW = "TargetTracking-service/demo/web-AlarmLow-9d8e7f6a-1b2c-4d3e-8f9a-0b1c2d3e4f5a"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/6d0ecf831eec9f09"
LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-lb/50dc6c495c0c9188"


def scaling_view(state: str = "ALARM", value: float = 91.5) -> ScalingView:
    return ScalingView(
        min_capacity=1,
        max_capacity=6,
        alarms=(
            AlarmView(HIGH, "GreaterThanThreshold", 50.0, "CPUUtilization", state, value, 3, 60),
            AlarmView(LOW, "LessThanThreshold", 45.0, "CPUUtilization", "OK", value, 15, 60),
        ),
        policies=("cpu50",),
        policy_kind="TargetTrackingScaling",
        target_value=50.0,
        metric="ECSServiceAverageCPUUtilization",
        last_activity=ScalingActivityView(
            "Setting desired count to 4.",
            f"monitor alarm {HIGH} in state ALARM triggered policy cpu50",
            "Successful",
            940.0,
        ),
    )


def scaling_world(*, lb: bool = True, metrics: bool = True, tasks: int = 4) -> Snapshot:
    b = Builder()
    b.cluster("demo")
    i1, i2 = b.instance(), b.instance(az="us-east-1b")
    b.taskdef("app")
    b.taskdef("api", (("api", "ecsedu/api", 256, 256, 8081),))
    b.service("web", "app", desired=tasks, scaling=scaling_view())
    b.service("api", "api", desired=1)
    arns = [b.task((i1, i2)[k % 2], "app", service="web") for k in range(tasks)]
    b.task(i2, "api", service="api")
    snap = b.snapshot()
    series = ()
    if metrics:
        cpu = [20, 22, 25, 30, 48, 70, 88, 95, 96, 92, 91.5]
        series = (
            MetricSeriesView(
                "AWS/ECS",
                "CPUUtilization",
                "demo",
                "web",
                tuple((snap.time - 60.0 * (len(cpu) - 1 - k), v) for k, v in enumerate(cpu)),
            ),
        )
    balancers = ()
    if lb:
        states = ["healthy", "healthy", "initial", "draining", "unhealthy", "unused"]
        reasons = {
            "initial": "Elb.RegistrationInProgress",
            "draining": "Target.DeregistrationInProgress",
            "unhealthy": "Target.FailedHealthChecks",
            "unused": "Target.NotInUse",
        }
        targets = tuple(
            TargetView(
                target_id=arn,
                port=32768 + k,
                state=states[k % len(states)],
                reason=reasons.get(states[k % len(states)]),
                requests=[412, 398, 0, 57, 3, 0][k % 6],
                task_arn=arn,
            )
            for k, arn in enumerate(arns)
        )
        balancers = (
            LoadBalancerView(
                arn=LB,
                name="web-lb",
                dns_name="web-lb-1234567890.us-east-1.elb.amazonaws.com",
                listener_ports=(80,),
                target_groups=(
                    TargetGroupView(
                        TG, "web-tg", 8080, "HTTP", (f"{ACCOUNT}:service/demo/web",), targets
                    ),
                ),
            ),
        )
    return replace(snap, metrics=series, load_balancers=balancers)


@pytest.fixture
def scaled() -> Snapshot:
    return scaling_world()
