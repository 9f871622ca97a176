"""An immutable view of the whole engine state: the only thing renderers and widgets read.

``ecs.snapshot()`` copies the live model into these frozen dataclasses (snake_case, typed, no
wire dicts). A snapshot never changes after it is taken, and taking one never changes the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ecsedu.model.eventlog import EventView

__all__ = [
    "CapacityProviderView",
    "ClusterView",
    "ContainerDefinitionView",
    "ContainerView",
    "DeploymentView",
    "EventView",
    "InstanceView",
    "LoadBalancerView",
    "MetricSeriesView",
    "PortBindingView",
    "ScalingActivityView",
    "ScalingView",
    "ServiceEventView",
    "ServiceView",
    "Snapshot",
    "StrategyItemView",
    "TargetGroupView",
    "TargetView",
    "TaskDefinitionView",
    "TaskView",
]


@dataclass(frozen=True)
class PortBindingView:
    container_port: int
    host_port: int
    protocol: str = "tcp"
    host_ip: str = "0.0.0.0"


@dataclass(frozen=True)
class ContainerDefinitionView:
    name: str
    image: str
    cpu: int
    memory: int | None
    memory_reservation: int | None
    essential: bool
    port_mappings: tuple[PortBindingView, ...] = ()
    links: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskDefinitionView:
    arn: str
    family: str
    revision: int
    status: str  # ACTIVE | INACTIVE
    network_mode: str
    cpu: int  # reserved CPU units per task (what placement subtracts)
    memory: int  # reserved MiB per task (what placement subtracts)
    containers: tuple[ContainerDefinitionView, ...]

    @property
    def name(self) -> str:
        return f"{self.family}:{self.revision}"


@dataclass(frozen=True)
class ContainerView:
    name: str
    image: str
    last_status: str  # PENDING | RUNNING | STOPPED
    essential: bool
    cpu: int
    memory: int | None
    memory_reservation: int | None
    exit_code: int | None = None
    reason: str | None = None
    health_status: str = "UNKNOWN"
    network_bindings: tuple[PortBindingView, ...] = ()
    runtime_id: str | None = None  # e.g. the Docker container id


@dataclass(frozen=True)
class TaskView:
    arn: str
    id: str
    cluster_arn: str
    task_definition_arn: str
    family: str
    revision: int
    container_instance_arn: str | None
    last_status: str
    desired_status: str
    group: str
    started_by: str | None
    service_name: str | None
    deployment_id: str | None
    health_status: str
    cpu: int
    memory: int
    containers: tuple[ContainerView, ...]
    created_at: float
    started_at: float | None = None
    stopping_at: float | None = None
    stopped_at: float | None = None
    stop_code: str | None = None
    stopped_reason: str | None = None
    version: int = 1
    launch_type: str = "EC2"  # EC2 | FARGATE
    capacity_provider: str | None = None  # FARGATE, FARGATE_SPOT, an Auto Scaling group's
    platform_version: str | None = None  # Fargate's, e.g. 1.4.0
    private_ip: str | None = None  # awsvpc: the task's own ENI address
    eni_id: str | None = None  # awsvpc: its elastic network interface (eni-...)
    eni_status: str | None = None  # PRECREATED | ATTACHED | DETACHING | DELETED
    availability_zone: str | None = None

    @property
    def fargate(self) -> bool:
        """Runs on AWS Fargate: no container instance of the cluster's own."""
        return self.launch_type == "FARGATE"


@dataclass(frozen=True)
class InstanceView:
    arn: str
    id: str
    cluster_arn: str
    ec2_instance_id: str
    status: str  # ACTIVE | DRAINING | INACTIVE
    agent_connected: bool
    registered_cpu: int
    registered_memory: int
    remaining_cpu: int
    remaining_memory: int
    attributes: tuple[tuple[str, str | None], ...]
    running_tasks_count: int
    pending_tasks_count: int
    availability_zone: str | None
    registered_at: float
    reserved_ports: tuple[str, ...] = ()
    docker_host: str | None = None
    address: str | None = None  # host address published ports bind to (docker runtime)
    capacity_provider: str | None = None  # the Auto Scaling group provider that launched it

    @property
    def reserved_cpu(self) -> int:
        return self.registered_cpu - self.remaining_cpu

    @property
    def reserved_memory(self) -> int:
        return self.registered_memory - self.remaining_memory

    def attribute(self, name: str) -> str | None:
        for key, value in self.attributes:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class DeploymentView:
    id: str
    status: str  # PRIMARY | ACTIVE | INACTIVE
    task_definition_arn: str
    desired_count: int
    running_count: int
    pending_count: int
    failed_tasks: int
    rollout_state: str  # IN_PROGRESS | COMPLETED | FAILED
    rollout_state_reason: str
    created_at: float


@dataclass(frozen=True)
class ServiceEventView:
    id: str
    created_at: float
    message: str


@dataclass(frozen=True)
class AlarmView:
    """A CloudWatch-style alarm that scales a service (filled in once autoscaling exists)."""

    name: str
    comparison: str  # GreaterThanThreshold | LessThanThreshold
    threshold: float
    metric: str
    state: str  # OK | ALARM | INSUFFICIENT_DATA
    value: float | None = None
    datapoints: int = 1  # EvaluationPeriods (of Period seconds)
    period: int = 60


@dataclass(frozen=True)
class ScalingActivityView:
    """The newest Application Auto Scaling activity of a service."""

    description: str
    cause: str
    status: str  # Successful | InProgress | Failed ...
    start_time: float


@dataclass(frozen=True)
class ScalingView:
    """A service's scaling bounds (Application Auto Scaling's min/max capacity) and alarms."""

    min_capacity: int
    max_capacity: int
    alarms: tuple[AlarmView, ...] = ()
    policies: tuple[str, ...] = ()  # policy names
    policy_kind: str | None = None  # TargetTrackingScaling | StepScaling
    target_value: float | None = None  # target tracking's target
    metric: str | None = None  # e.g. ECSServiceAverageCPUUtilization
    last_activity: ScalingActivityView | None = None


@dataclass(frozen=True)
class MetricSeriesView:
    """One CloudWatch metric of a service, one datapoint a minute (newest last)."""

    namespace: str  # AWS/ECS, AWS/ApplicationELB
    name: str  # CPUUtilization, MemoryUtilization, RequestCountPerTarget
    cluster_name: str
    service_name: str
    points: tuple[tuple[float, float], ...]  # (time, value)
    unit: str = "Percent"
    #: AWS/ECS/ManagedScaling metrics are per capacity provider (service_name is then "").
    capacity_provider_name: str | None = None


@dataclass(frozen=True)
class TargetView:
    """A registered target of a target group, with its health as ELB reports it."""

    target_id: str  # the task's ARN (ecsedu) / an instance id or IP
    port: int
    state: str  # initial | healthy | unhealthy | unused | draining | unavailable
    reason: str | None = None  # Elb.RegistrationInProgress, Target.FailedHealthChecks ...
    requests: int = 0  # requests served (load balancer's count)
    task_arn: str | None = None
    address: str | None = None  # host:port the load balancer forwards to


@dataclass(frozen=True)
class TargetGroupView:
    arn: str
    name: str
    port: int
    protocol: str
    service_arns: tuple[str, ...]
    targets: tuple[TargetView, ...]
    deregistration_delay: float = 300.0


@dataclass(frozen=True)
class LoadBalancerView:
    """An Application Load Balancer with its listeners' target groups."""

    arn: str
    name: str
    dns_name: str
    listener_ports: tuple[int, ...]
    target_groups: tuple[TargetGroupView, ...]
    address: str | None = None  # on Docker: the real proxy's 127.0.0.1:port


@dataclass(frozen=True)
class ServiceView:
    arn: str
    name: str
    cluster_arn: str
    status: str  # ACTIVE | DRAINING | INACTIVE
    task_definition_arn: str
    desired_count: int
    running_count: int
    pending_count: int
    scheduling_strategy: str  # REPLICA | DAEMON
    launch_type: str
    minimum_healthy_percent: int
    maximum_percent: int
    deployments: tuple[DeploymentView, ...]
    events: tuple[ServiceEventView, ...]  # newest first, as DescribeServices returns them
    created_at: float
    scaling: ScalingView | None = None
    # Why tasks are missing, when the newest service event says a task could not be placed:
    # CPU | memory | ports | attribute | constraint | no instances | agent (else None).
    unplaced_reason: str | None = None
    capacity_provider_strategy: tuple[StrategyItemView, ...] = ()


@dataclass(frozen=True)
class ClusterView:
    arn: str
    name: str
    status: str
    registered_container_instances_count: int
    running_tasks_count: int
    pending_tasks_count: int
    active_services_count: int
    capacity_providers: tuple[str, ...] = ()  # names, as PutClusterCapacityProviders set them
    default_strategy: tuple[StrategyItemView, ...] = ()


@dataclass(frozen=True)
class StrategyItemView:
    """One item of a capacity provider strategy: ``base`` tasks first, then by ``weight``."""

    capacity_provider: str
    weight: int = 0
    base: int = 0


@dataclass(frozen=True)
class CapacityProviderView:
    """A capacity provider: FARGATE, FARGATE_SPOT, or one tied to an EC2 Auto Scaling group.

    For an Auto Scaling group provider, ``reservation`` is the latest
    ``CapacityProviderReservation`` (percent: the capacity the tasks need over what the group
    has) and ``target_capacity`` the percentage managed scaling keeps it at.
    """

    name: str
    arn: str
    kind: str  # FARGATE | FARGATE_SPOT | ASG
    status: str  # ACTIVE | INACTIVE
    auto_scaling_group: str | None = None  # the group's name
    managed_scaling: bool = False
    target_capacity: int | None = None  # percent, with managed scaling
    managed_termination_protection: bool = False
    reservation: float | None = None  # percent, None until first computed
    desired_capacity: int = 0
    min_size: int = 0
    max_size: int = 0
    instances: tuple[str, ...] = ()  # container instance ARNs the group launched, oldest first
    protected: tuple[str, ...] = ()  # of those, the ones protected from scale-in
    launching: int = 0  # EC2 instances of the group still booting (not registered yet)
    instance_cpu: int = 0  # what each instance it launches registers
    instance_memory: int = 0

    @property
    def fargate(self) -> bool:
        return self.kind in ("FARGATE", "FARGATE_SPOT")


@dataclass(frozen=True)
class Snapshot:
    """Everything at one instant. Collections are tuples in creation order."""

    time: float
    runtime: str  # "simulated" | "docker"
    clusters: tuple[ClusterView, ...]
    instances: tuple[InstanceView, ...]
    task_definitions: tuple[TaskDefinitionView, ...]
    tasks: tuple[TaskView, ...]
    services: tuple[ServiceView, ...]
    events: Sequence[EventView] = field(default=())  # an EventSeq: shares the log's storage
    load_balancers: tuple[LoadBalancerView, ...] = ()
    metrics: tuple[MetricSeriesView, ...] = ()
    capacity_providers: tuple[CapacityProviderView, ...] = ()

    # -- read-only queries used by renderers -------------------------------------------------
    def cluster(self, name_or_arn: str) -> ClusterView:
        for c in self.clusters:
            if name_or_arn in (c.name, c.arn):
                return c
        raise KeyError(name_or_arn)

    def instances_in(self, cluster_arn: str) -> tuple[InstanceView, ...]:
        return tuple(i for i in self.instances if i.cluster_arn == cluster_arn)

    def services_in(self, cluster_arn: str) -> tuple[ServiceView, ...]:
        return tuple(s for s in self.services if s.cluster_arn == cluster_arn)

    def tasks_on(self, instance_arn: str) -> tuple[TaskView, ...]:
        return tuple(t for t in self.tasks if t.container_instance_arn == instance_arn)

    def tasks_of(self, service_name: str, cluster_arn: str | None = None) -> tuple[TaskView, ...]:
        return tuple(
            t
            for t in self.tasks
            if t.service_name == service_name
            and (cluster_arn is None or t.cluster_arn == cluster_arn)
        )

    def capacity_provider(self, name_or_arn: str) -> CapacityProviderView:
        for cp in self.capacity_providers:
            if name_or_arn in (cp.name, cp.arn):
                return cp
        raise KeyError(name_or_arn)

    def task_definition(self, arn: str) -> TaskDefinitionView:
        for td in self.task_definitions:
            if td.arn == arn:
                return td
        raise KeyError(arn)
