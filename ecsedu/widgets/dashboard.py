"""``Dashboard(ecs, cluster="demo")``: one cluster, live, with controls that call the ECS API.

The dashboard subscribes to the engine's change feed (``ecs.subscribe``). Every change that
concerns its cluster is kept as a snapshot in a short history and pokes a redraw; redraws are
coalesced (at most one every ``interval`` seconds) and run on one worker thread, so a burst of
changes (``play()``, a service scaling up) costs a redraw or two, and no change costs nothing:
there is no timer. A redraw replaces the SVG markup of one long-lived ``HTML`` widget, whose box
keeps its size, so nothing jumps or flickers.

Every control calls the public API only (``register_task_definition``, ``run_task``,
``create_service``, ``update_service``, ``add_instances``, ``update_container_instances_state``,
``inject``, ``advance``, ``play``, ``pause``); an error shows ECS's own message in the status line.
"""

from __future__ import annotations

import datetime
import json
import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w
from botocore.exceptions import ClientError, ParamValidationError

from ecsedu import arns
from ecsedu.errors import EcsEduError
from ecsedu.model.events import Change
from ecsedu.model.snapshot import EventView, Snapshot
from ecsedu.render import capacity, chart, figures
from ecsedu.render.layout import SlotMemory
from ecsedu.render.style import Theme, get_theme
from ecsedu.widgets import panels
from ecsedu.widgets.feed import Coalescer
from ecsedu.widgets.history import HISTORY_LIMIT, History, Step, what_changed

__all__ = ["Dashboard"]

EVENT_LIMIT = 200
FIGURE_HEIGHT = "560px"
STEP_CHOICES = (("1 s", 1.0), ("5 s", 5.0), ("30 s", 30.0), ("1 min", 60.0), ("10 min", 600.0))
_ERRORS = (ClientError, ParamValidationError, EcsEduError, ValueError, KeyError, TypeError)


def error_text(exc: BaseException) -> str:
    """ECS's own error text for a failed call (never a traceback)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), error.get("Message", str(exc))
        return f"{code}: {message}"
    if isinstance(exc, json.JSONDecodeError):
        return f"The JSON is not valid: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    if isinstance(exc, KeyError):
        return f"Not found: {exc.args[0] if exc.args else exc}"
    return str(exc)


def _clock(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC).strftime("%H:%M:%S")


def _box(height: str, **more: Any) -> Any:
    return w.Layout(height=height, overflow="auto", **more)


class Dashboard:
    """A live view of one cluster with controls, events, tasks, "Why here?" and history.

    Args:
        ecs: the object ``ecsedu.connect()`` returned.
        cluster: the cluster's name (or ARN) to show.
        theme: light, dark or projector (default: ``ECSEDU_THEME``, else light).
        interval: the shortest time between two redraws, in seconds.
        history: how many snapshots to keep for the history slider.

    Display it as the last expression of a cell (or ``display(dashboard)``); ``close()``
    unsubscribes and stops the redraw thread.
    """

    def __init__(
        self,
        ecs: Any,
        cluster: str = "demo",
        *,
        theme: str | Theme | None = None,
        interval: float = 0.1,
        history: int = HISTORY_LIMIT,
        instances_per_row: int = 3,
    ) -> None:
        self.ecs = ecs
        self.cluster = cluster
        self.theme = get_theme(theme or os.environ.get("ECSEDU_THEME") or "light")
        self.instances_per_row = instances_per_row
        self.history = History(history)
        self.memory = SlotMemory()  # live view: task slots stay put
        self._past_memory = SlotMemory()  # history view, so scrubbing never moves live slots
        self._events: deque[EventView] = deque(maxlen=EVENT_LIMIT)
        self._placements: deque[EventView] = deque(maxlen=20)
        self._lock = threading.RLock()
        self._quiet = threading.local()  # set while the dashboard itself updates a control
        self._viewing: int | None = None  # None: live; else the history step shown
        self._last_status = ("", False)
        self._seen_desired: tuple[str, int] | None = None  # (service, desiredCount) last synced
        self.errors: list[str] = []  # every error shown, for tests and the curious
        self._build()
        first = ecs.snapshot()
        self.runtime = first.runtime
        self._on_docker(self.runtime == "docker")
        for event in ecs.events():
            self._keep_event(event)
        self.history.push(0, first, range(0), "start")
        self._draw_fn: Callable[[], None] = self._redraw
        self._coalescer = Coalescer(self._draw_fn, interval=interval, on_error=self._draw_failed)
        self._unsubscribe: Callable[[], None] | None = ecs.subscribe(self._on_change)
        self._coalescer.poke()

    # ------------------------------------------------------------------ public
    @property
    def redraws(self) -> int:
        """How many times the view was drawn (tests check it follows changes, not a timer)."""
        return self._coalescer.draws

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every pending redraw has been drawn."""
        return self._coalescer.wait_idle(timeout)

    def refresh(self) -> None:
        """Ask for a redraw (the change feed does this by itself)."""
        self._coalescer.poke()

    def show_step(self, number: int | None) -> None:
        """Show history step ``number`` (None: live)."""
        with self._lock:
            self._viewing = None if number is None or number >= self.history.last else number
        self._coalescer.poke()

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._coalescer.close()
        self.widget.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    # ------------------------------------------------------------------ the change feed
    def _concerns(self, change: Change) -> bool:
        """Does this change touch the dashboard's cluster (or the task definitions)?"""
        touched = change.clusters | change.services | change.tasks | change.instances
        if not touched:
            return bool(len(change.events))  # e.g. a task definition: global, no cluster
        name = arns.resource_id(self.cluster)
        marker = f"/{name}/"
        return any(a.endswith(f":cluster/{name}") or marker in a for a in touched)

    def _on_change(self, change: Change) -> None:
        """Called by the engine after every change, on whatever thread made it."""
        if not self._concerns(change):
            return
        snapshot = self.ecs.snapshot()  # here, in the changing thread: a consistent state
        new = self.ecs.events(since=change.events.start) if len(change.events) else []
        with self._lock:
            for event in new:
                if event.seq in change.events:
                    self._keep_event(event)
        self.history.push(change.version, snapshot, change.events, change.cause)
        self._coalescer.poke()

    def _keep_event(self, event: EventView) -> None:
        name = arns.resource_id(self.cluster)
        arn = event.cluster_arn
        if arn is not None and not arn.endswith(f":cluster/{name}"):
            return
        self._events.append(event)
        if event.kind.upper() == "PLACEMENT":
            self._placements.append(event)

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        t = self.theme
        style = {"description_width": "initial"}
        self.header = w.HTML(layout=w.Layout(min_height="24px"))
        self.status = w.HTML(panels.status_html(""), layout=w.Layout(min_height="26px"))
        self.figure = w.HTML(
            layout=_box(FIGURE_HEIGHT, flex="3 1 0%", min_width="0", border="1px solid #999")
        )
        self.figure.add_class("ecsedu-dashboard-view")
        self.why = w.HTML(layout=_box("260px", border="1px solid #999", padding="4px"))
        self.events = w.HTML(layout=_box("290px", border="1px solid #999", padding="4px"))
        # the metric chart of the chosen service (CPU, target line, alarm thresholds)
        self.chart = w.HTML(layout=_box("170px", border="1px solid #999", padding="2px"))
        self.chart.add_class("ecsedu-dashboard-chart")
        side = w.VBox(
            [self.chart, self.why, self.events], layout=w.Layout(flex="2 1 0%", min_width="0")
        )
        view = w.HBox([self.figure, side], layout=w.Layout(width="100%"))
        self.tasks = w.HTML(layout=_box("220px", border="1px solid #999", padding="4px"))

        # history
        self.scrub = w.IntSlider(
            value=0,
            min=0,
            max=0,
            description="History step",
            tooltip="Scrub back through the last snapshots; the diagram shows that moment",
            continuous_update=False,
            style=style,
            layout=w.Layout(width="60%"),
        )
        self.live = w.Button(
            description="Live", tooltip="Back to the live view", icon="play", button_style="info"
        )
        self.changed = w.HTML(layout=w.Layout(min_height="22px"))
        self.scrub.observe(self._on_scrub, names="value")
        self.live.on_click(lambda _: self._scrub_to(None))

        # task definitions
        self.family = w.Text(value="app", description="Family", tooltip="Task definition family")
        self.image = w.Text(value="ecsedu/web", description="Image", tooltip="Container image")
        self.cpu = w.BoundedIntText(
            value=256, min=0, max=10240, description="CPU", tooltip="CPU units (1024 = 1 vCPU)"
        )
        self.mem = w.BoundedIntText(
            value=256, min=0, max=30720, description="Memory", tooltip="Memory, MiB (hard limit)"
        )
        self.port = w.BoundedIntText(
            value=80,
            min=0,
            max=65535,
            description="Port",
            tooltip="Container port (0: none). Published on a dynamic host port",
        )
        self.host_port = w.BoundedIntText(
            value=0,
            min=0,
            max=65535,
            description="Host port",
            tooltip="Host port (0: dynamic). A fixed one allows one such task per instance",
        )
        for field in (self.family, self.image, self.cpu, self.mem, self.port, self.host_port):
            field.style = style
            field.layout = w.Layout(width="140px" if field is not self.image else "200px")
        self.td_json = w.Textarea(
            placeholder='or paste JSON: {"family": ..., "containerDefinitions": [...]}',
            description="JSON",
            tooltip="Task definition JSON as for aws ecs register-task-definition --cli-input-json;"
            " when filled, it is used instead of the form",
            layout=w.Layout(width="98%", height="54px"),
            style=style,
        )
        self.register = w.Button(
            description="Register task definition",
            tooltip="RegisterTaskDefinition with the form (or the JSON)",
            icon="file",
            layout=w.Layout(width="auto"),
        )
        self.register.on_click(lambda _: self._act(self._register))
        self.taskdef = w.Dropdown(
            description="Task definition", tooltip="Which task definition to run", style=style
        )
        self.count = w.BoundedIntText(
            value=1,
            min=1,
            max=10,
            description="Count",
            tooltip="How many tasks RunTask starts (1-10)",
            style=style,
            layout=w.Layout(width="110px"),
        )
        self.run = w.Button(
            description="Run task", tooltip="RunTask on this cluster", icon="rocket"
        )
        self.run.on_click(lambda _: self._act(self._run_task))

        # services
        self.service = w.Dropdown(
            description="Service", tooltip="The service the desired count applies to", style=style
        )
        self.desired = w.IntSlider(
            value=2,
            min=0,
            max=20,
            description="Desired count",
            tooltip="UpdateService desiredCount (for a new service: its desired count)",
            continuous_update=False,
            style=style,
        )
        self.service_name = w.Text(
            value="web",
            description="New service",
            tooltip="Name of the service to create",
            style=style,
            layout=w.Layout(width="200px"),
        )
        self.create = w.Button(
            description="Create service",
            tooltip="CreateService from the chosen task definition with the desired count",
            icon="plus",
            layout=w.Layout(width="auto"),
        )
        self.service.observe(self._on_service_chosen, names="value")
        self.desired.observe(self._on_desired, names="value")
        self.create.on_click(lambda _: self._act(self._create_service))
        # load: ecs.load(cluster=, service=, cpu_percent=) drives the service's CPU
        self.cpu_load = w.IntSlider(
            value=50,
            min=0,
            max=100,
            description="CPU load %",
            tooltip="ecs.load(cluster=..., service=..., cpu_percent=...): the service's CPU",
            continuous_update=False,
            style=style,
        )
        self.apply_load = w.Button(
            description="Apply load",
            tooltip="Put this CPU load on the chosen service (spread over its running tasks)",
            icon="fire",
            layout=w.Layout(width="auto"),
        )
        self.apply_load.on_click(lambda _: self._act(self._load))

        # instances
        self.instance = w.Dropdown(
            description="Instance", tooltip="A container instance of this cluster", style=style
        )
        self.add = w.Button(
            description="Add instance",
            tooltip="Register one more container instance (2048 CPU, 4096 MiB)",
            icon="server",
        )
        self.drain = w.Button(
            description="Drain",
            tooltip="UpdateContainerInstancesState DRAINING: its service tasks move elsewhere",
            icon="sign-out",
        )
        self.activate = w.Button(
            description="Activate", tooltip="UpdateContainerInstancesState ACTIVE", icon="sign-in"
        )
        self.disconnect = w.Button(
            description="Disconnect agent",
            tooltip="Inject agent_disconnect: no new tasks there, its tasks keep running",
            icon="chain-broken",
            layout=w.Layout(width="auto"),
        )
        self.reconnect = w.Button(
            description="Reconnect agent",
            tooltip="Inject agent_reconnect",
            icon="link",
            layout=w.Layout(width="auto"),
        )
        self.add.on_click(lambda _: self._act(self._add_instance))
        self.drain.on_click(lambda _: self._act(lambda: self._instance_state("DRAINING")))
        self.activate.on_click(lambda _: self._act(lambda: self._instance_state("ACTIVE")))
        self.disconnect.on_click(lambda _: self._act(lambda: self._agent("agent_disconnect")))
        self.reconnect.on_click(lambda _: self._act(lambda: self._agent("agent_reconnect")))

        # tasks
        self.task = w.Dropdown(
            description="Task",
            tooltip="A task of this cluster (its full ARN appears on the right, to copy)",
            style=style,
            layout=w.Layout(width="auto", min_width="340px"),
        )
        self.arn = w.Text(
            description="ARN",
            tooltip="The selected task's full ARN: select it and copy (Ctrl+C)",
            style=style,
            layout=w.Layout(width="auto", flex="1 1 auto"),
        )
        self.kill = w.Button(
            description="Kill task",
            tooltip="Its essential container exits (137): the task stops, a service replaces it",
            icon="bolt",
            button_style="danger",
        )
        self.stop = w.Button(
            description="Stop task", tooltip="StopTask (as an operator would)", icon="stop"
        )
        self.task.observe(self._on_task_chosen, names="value")
        self.arn.observe(self._on_arn_edited, names="value")
        self.kill.on_click(lambda _: self._act(self._kill))
        self.stop.on_click(lambda _: self._act(self._stop))

        # the clock (simulated runtime only)
        self.step_by = w.Dropdown(
            options=STEP_CHOICES,
            value=5.0,
            description="Step",
            tooltip="How much simulated time one step lets pass",
            style=style,
            layout=w.Layout(width="150px"),
        )
        self.step = w.Button(
            description="Step clock",
            tooltip="Let simulated time pass (ecs.advance)",
            icon="step-forward",
        )
        self.play = w.Button(
            description="Play", tooltip="Run the simulated clock (ecs.play, 10x)", icon="play"
        )
        self.pause = w.Button(
            description="Pause", tooltip="Stop the simulated clock (ecs.pause)", icon="pause"
        )
        self.step.on_click(lambda _: self._act(self._step))
        self.play.on_click(lambda _: self._act(self._play))
        self.pause.on_click(lambda _: self._act(self._pause))
        self.clock_row = w.HBox([self.step_by, self.step, self.play, self.pause])

        def row(title: str, *items: Any) -> Any:
            heading = w.HTML(f"<strong>{title}</strong>", layout=w.Layout(width="110px"))
            return w.HBox([heading, *items], layout=w.Layout(flex_flow="row wrap"))

        controls = w.VBox(
            [
                row("Task definition", self.family, self.image, self.cpu, self.mem, self.port),
                row("", self.host_port, self.register),
                row("", self.td_json),
                row("Run", self.taskdef, self.count, self.run),
                row("Service", self.service, self.desired, self.service_name, self.create),
                row("Load", self.cpu_load, self.apply_load),
                row("Instances", self.instance, self.add, self.drain, self.activate),
                row("", self.disconnect, self.reconnect),
                row("Tasks", self.task, self.kill, self.stop),
                row("", self.arn),
                row("Clock", self.clock_row),
            ],
            layout=w.Layout(border="1px solid #999", padding="4px"),
        )
        history = w.VBox([w.HBox([self.scrub, self.live]), self.changed])
        self.widget = w.VBox(
            [self.header, self.status, view, history, controls, self.tasks],
            layout=w.Layout(width="100%"),
        )
        self.widget.add_class("ecsedu-dashboard")
        self.widget.add_class(f"ecsedu-theme-{t.name}")

    def _on_docker(self, docker: bool) -> None:
        """The clock controls drive simulated time only: hidden on Docker."""
        self.clock_row.layout.display = "none" if docker else None

    # ------------------------------------------------------------------ actions
    def _act(self, action: Callable[[], str | None]) -> None:
        """Run one control's action; show what it did, or ECS's error text."""
        try:
            message = action()
        except _ERRORS as exc:
            text = error_text(exc)
            self.errors.append(text)
            self._set_status(text, error=True)
            return
        self._set_status(message or "", error=False)

    def _set_status(self, message: str, *, error: bool) -> None:
        self._last_status = (message, error)
        self.status.value = panels.status_html(message, error=error)

    def _register(self) -> str:
        text = self.td_json.value.strip()
        if text:
            params = json.loads(text)
            if not isinstance(params, dict):
                raise ValueError("The JSON must be an object, as register-task-definition takes")
        else:
            container: dict[str, Any] = {
                "name": self.family.value.strip() or "app",
                "image": self.image.value.strip(),
                "cpu": int(self.cpu.value),
                "memory": int(self.mem.value),
                "essential": True,
            }
            if self.port.value:
                container["portMappings"] = [
                    {"containerPort": int(self.port.value), "hostPort": int(self.host_port.value)}
                ]
            params = {"family": self.family.value.strip(), "containerDefinitions": [container]}
        td = self.ecs.register_task_definition(**params)["taskDefinition"]
        name = f"{td['family']}:{td['revision']}"
        self._refresh_options(self.ecs.snapshot())
        self.taskdef.value = td["taskDefinitionArn"]
        return f"Registered task definition {name}."

    def _run_task(self) -> str:
        if not self.taskdef.value:
            raise EcsEduError("Register a task definition first.")
        reply = self.ecs.run_task(
            cluster=self.cluster, taskDefinition=self.taskdef.value, count=int(self.count.value)
        )
        started = len(reply["tasks"])
        message = f"RunTask started {started} task{'s' * (started != 1)}."
        if reply["failures"]:
            reasons = sorted({f["reason"] for f in reply["failures"]})
            message += (
                f" {len(reply['failures'])} not placed: {', '.join(reasons)} (see Why here?)."
            )
        return message

    def _create_service(self) -> str:
        if not self.taskdef.value:
            raise EcsEduError("Register a task definition first.")
        name = self.service_name.value.strip()
        self.ecs.create_service(
            cluster=self.cluster,
            serviceName=name,
            taskDefinition=self.taskdef.value,
            desiredCount=int(self.desired.value),
        )
        self._refresh_options(self.ecs.snapshot())
        self._quietly(lambda: setattr(self.service, "value", name))
        return f"Created service {name} with {self.desired.value} desired tasks."

    def _on_desired(self, change: dict[str, Any]) -> None:
        if getattr(self._quiet, "on", False) or not self.service.value:
            return
        self._act(self._update_service)

    def _update_service(self) -> str:
        count = int(self.desired.value)
        self.ecs.update_service(
            cluster=self.cluster, service=self.service.value, desiredCount=count
        )
        return f"Service {self.service.value}: desired count {count}."

    def _load(self) -> str:
        if not self.service.value:
            raise EcsEduError("Create a service first.")
        load = getattr(self.ecs, "load", None)
        if load is None:
            raise EcsEduError("This connection has no ecs.load (no load model).")
        percent = int(self.cpu_load.value)
        load(cluster=self.cluster, service=self.service.value, cpu_percent=percent)
        return f"Service {self.service.value}: CPU load {percent} %."

    def _chart_html(self, snapshot: Snapshot, arn: str | None) -> str:
        """The chosen service's CPU chart (empty until some service has metrics or scaling)."""
        mine = [s for s in snapshot.services if s.cluster_arn == arn and s.status != "INACTIVE"]
        view = next((c for c in snapshot.clusters if c.arn == arn), None)
        # Cluster auto scaling: the reservation of each managed provider of the cluster.
        managed = [
            cp
            for cp in snapshot.capacity_providers
            if view is not None and cp.name in view.capacity_providers and cp.managed_scaling
        ]
        extra = "".join(
            capacity.reservation_chart(snapshot, cp, view, theme=self.theme).html()
            for cp in managed
        )
        service_metrics = any(m.service_name for m in snapshot.metrics)
        if not mine or not (service_metrics or any(s.scaling for s in mine)):
            return extra
        name = self.service.value if self.service.value in {s.name for s in mine} else None
        if name is None:
            name = next((s.name for s in mine if s.scaling is not None), mine[0].name)
        drawn = chart.metric_chart(
            snapshot, service=name, cluster=arn, theme=self.theme, width=400, height=160
        )
        return drawn.html() + extra

    def _on_service_chosen(self, change: dict[str, Any]) -> None:
        if not change["new"]:
            return
        snap = self.history.steps[-1].snapshot
        counts = [
            s.desired_count
            for s in snap.services
            if s.name == change["new"] and s.cluster_arn.endswith(f"/{self._name}")
        ]
        if counts:
            self._seen_desired = (change["new"], counts[-1])
            self._quietly(lambda: setattr(self.desired, "value", counts[-1]))

    def _add_instance(self) -> str:
        arns = self.ecs.add_instances(self.cluster, count=1)
        return f"Registered container instance {panels.short(arns[0])[:12]}."

    def _chosen_instance(self) -> str:
        if not self.instance.value:
            raise EcsEduError("No container instance selected: add one first.")
        value: str = self.instance.value
        return value

    def _instance_state(self, status: str) -> str:
        arn = self._chosen_instance()
        reply = self.ecs.update_container_instances_state(
            cluster=self.cluster, containerInstances=[arn], status=status
        )
        if reply.get("failures"):
            failure = reply["failures"][0]
            raise EcsEduError(f"{failure.get('reason')}: {failure.get('detail', '')}".strip())
        return f"Instance {panels.short(arn)[:12]} is now {status}."

    def _agent(self, fault: str) -> str:
        arn = self._chosen_instance()
        self.ecs.inject(fault, instance=arn)
        what = "disconnected" if fault == "agent_disconnect" else "reconnected"
        return f"Agent on {panels.short(arn)[:12]} {what}."

    def _chosen_task(self) -> str:
        if not self.task.value:
            raise EcsEduError("No task selected: run a task or create a service first.")
        value: str = self.task.value
        return value

    def _kill(self) -> str:
        arn = self._chosen_task()
        self.ecs.inject("container_exit", task=arn, exit_code=137)
        hint = "" if self.runtime == "docker" else " Step the clock or press Play to watch."
        return f"Killed task {panels.short(arn)[:12]} (exit 137).{hint}"

    def _stop(self) -> str:
        arn = self._chosen_task()
        self.ecs.stop_task(cluster=self.cluster, task=arn, reason="Stopped from the dashboard")
        return f"StopTask {panels.short(arn)[:12]}."

    def _step(self) -> str:
        seconds = float(self.step_by.value)
        self.ecs.advance(seconds)
        return f"{seconds:g} simulated seconds passed."

    def _play(self) -> str:
        self.ecs.play(speed=10)
        return "Playing: simulated time runs 10x faster than real time."

    def _pause(self) -> str:
        self.ecs.pause()
        return "Paused."

    def _on_task_chosen(self, change: dict[str, Any]) -> None:
        self._quietly(lambda: setattr(self.arn, "value", change["new"] or ""))

    def _on_arn_edited(self, change: dict[str, Any]) -> None:
        """The ARN field is for copying: typing in it puts the selected ARN back."""
        if getattr(self._quiet, "on", False):
            return
        if change["new"] != (self.task.value or ""):
            self._quietly(lambda: setattr(self.arn, "value", self.task.value or ""))

    # ------------------------------------------------------------------ history
    def _on_scrub(self, change: dict[str, Any]) -> None:
        if getattr(self._quiet, "on", False):
            return
        self._scrub_to(change["new"])

    def _scrub_to(self, number: int | None) -> None:
        self.show_step(number)

    # ------------------------------------------------------------------ drawing
    @property
    def _name(self) -> str:
        return arns.resource_id(self.cluster)

    def _quietly(self, update: Callable[[], None]) -> None:
        previous = getattr(self._quiet, "on", False)
        self._quiet.on = True
        try:
            update()
        finally:
            self._quiet.on = previous

    def _draw_failed(self, exc: BaseException) -> None:
        text = f"The dashboard could not redraw: {error_text(exc)}"
        self.errors.append(text)
        self.status.value = panels.status_html(text, error=True)

    def _cluster_arn(self, snapshot: Snapshot) -> str | None:
        for cluster in snapshot.clusters:
            if self.cluster in (cluster.name, cluster.arn):
                return cluster.arn
        return None

    def _redraw(self) -> None:
        """Draw the live view, or the history step chosen (on the redraw thread)."""
        with self._lock:
            viewing = self._viewing
            events: Sequence[EventView] = tuple(self._events)
            placements = tuple(self._placements)
        latest = self.history.steps[-1]
        step = latest if viewing is None else (self.history.get(viewing) or latest)
        live = step is latest
        snapshot = step.snapshot
        arn = self._cluster_arn(snapshot)
        if not live:
            events = [e for e in events if e.seq < step.events.stop] if step.events else events
            placements = tuple(p for p in placements if p.seq < step.events.stop)
        figure = self._figure_html(snapshot, arn, live, step)
        metric = self._chart_html(snapshot, arn)
        why = self._why_html(snapshot, placements)
        tasks = panels.tasks_html(snapshot, arn, self.task.value)
        events_html = panels.events_html(events)
        header = self._header_html(snapshot, arn, step, live)
        previous = self.history.get(step.number - 1)
        changed = what_changed(previous.snapshot if previous else None, snapshot, arn)
        changed_html = (
            f'<div role="status" aria-live="polite"><strong>What changed</strong> '
            f"(step {step.number - 1} → {step.number}): {panels.esc(changed)}</div>"
        )
        # one update per widget; nothing is sent when a value did not change
        self.figure.value = figure
        self.chart.value = metric
        self.header.value = header
        self.why.value = why
        self.events.value = events_html
        self.tasks.value = tasks
        self.changed.value = changed_html
        self._quietly(lambda: self._sync_scrub(step.number, live))
        if live:
            self._quietly(lambda: self._refresh_options(snapshot))

    def _figure_html(self, snapshot: Snapshot, arn: str | None, live: bool, step: Step) -> str:
        t = self.theme
        if arn is None:
            text = (
                f"Cluster {self._name} does not exist yet: create it with "
                f'ecs.create_cluster(clusterName="{self._name}").'
            )
            return panels.figure_html(f"<p>{panels.esc(text)}</p>", text, t)
        fig = figures.cluster_view(
            snapshot,
            cluster=arn,
            theme=t,
            memory=self.memory if live else self._past_memory,
            instances_per_row=self.instances_per_row,
            stream=True,
        )
        note = ""
        if not live:
            note = (
                '<div class="ecsedu-past" style="background:#fff3cd;color:#000;padding:2px 6px">'
                f"◀ History: step {step.number} at {_clock(step.time)} (press Live for now)</div>"
            )
        return panels.figure_html(fig.html(), fig.describe(), t, note=note)

    def _why_html(self, snapshot: Snapshot, placements: Sequence[EventView]) -> str:
        if not placements:
            return panels.why_html(snapshot, None)
        waiting = None
        chosen_task = self.task.value
        for task in snapshot.tasks:
            if task.arn == chosen_task and not task.container_instance_arn and not task.fargate:
                waiting = task
        event = placements[-1]
        if waiting is not None:  # the task stuck in PENDING: its latest failed decision
            for candidate in reversed(placements):
                if dict(candidate.detail).get("instance") is None:
                    event = candidate
                    break
        before = self.history.before(event.seq)
        return panels.why_html(snapshot, event, before.snapshot if before else None, task=waiting)

    def _header_html(self, snapshot: Snapshot, arn: str | None, step: Step, live: bool) -> str:
        view = next((c for c in snapshot.clusters if c.arn == arn), None)
        counts = (
            f" · {view.registered_container_instances_count} instances · "
            f"{view.running_tasks_count} running, {view.pending_tasks_count} pending · "
            f"{view.active_services_count} services"
            if view
            else ""
        )
        mode = "live" if live else f"history step {step.number}"
        playing = " · ▶ playing" if getattr(self.ecs, "playing", False) else ""
        return (
            f'<div class="ecsedu-header" style="font-size:14px"><strong>Cluster '
            f"{panels.esc(self._name)}</strong> · {panels.esc(snapshot.runtime)} runtime · "
            f"clock {_clock(snapshot.time)}{counts} · {mode}{playing}</div>"
        )

    def _sync_scrub(self, number: int, live: bool) -> None:
        first, last = self.history.first, self.history.last
        if self.scrub.max < first:
            self.scrub.max = last
            self.scrub.min = first
        else:
            self.scrub.min = first
            self.scrub.max = last
        self.scrub.value = last if live else number
        self.live.disabled = live

    def _refresh_options(self, snapshot: Snapshot) -> None:
        """Keep the dropdowns in step with the cluster (keeping each selection)."""
        arn = self._cluster_arn(snapshot)
        tds = [(td.name, td.arn) for td in snapshot.task_definitions if td.status == "ACTIVE"]
        services = [
            (s.name, s.name)
            for s in snapshot.services
            if s.cluster_arn == arn and s.status != "INACTIVE"
        ]
        instances = [
            (
                f"{i.id[:8]} {i.availability_zone or ''} {i.status}"
                + ("" if i.agent_connected else " agent off"),
                i.arn,
            )
            for i in snapshot.instances
            if i.cluster_arn == arn
        ]
        tasks = [
            (
                f"{t.id[:8]} {t.family}:{t.revision} {t.last_status}"
                + (
                    f" on {panels.short(t.container_instance_arn)[:8]}"
                    if t.container_instance_arn
                    else " on Fargate"
                    if t.fargate
                    else ""
                ),
                t.arn,
            )
            for t in snapshot.tasks
            if t.cluster_arn == arn and t.last_status != "STOPPED"
        ]
        self._set_options(self.taskdef, tds, prefer_last=True)
        self._set_options(self.service, services)
        self._set_options(self.instance, instances)
        self._set_options(self.task, tasks)
        self.arn.value = self.task.value or ""
        self._sync_desired(snapshot, arn)

    def _sync_desired(self, snapshot: Snapshot, arn: str | None) -> None:
        """The desired-count slider follows the chosen service, whoever changed its count.

        Only a count that differs from the one last seen is copied to the slider, so a redraw
        of a slightly older snapshot never moves the slider back under the learner's hand.
        """
        chosen = self.service.value
        counts = [
            s.desired_count
            for s in snapshot.services
            if s.name == chosen and s.cluster_arn == arn and s.status != "INACTIVE"
        ]
        if not chosen or not counts:
            return
        seen = (chosen, counts[-1])
        if seen == self._seen_desired:
            return
        self._seen_desired = seen
        if self.desired.value != counts[-1]:
            self._quietly(lambda: setattr(self.desired, "value", counts[-1]))

    @staticmethod
    def _set_options(
        dropdown: Any, options: list[tuple[str, str]], *, prefer_last: bool = False
    ) -> None:
        if list(dropdown.options) == options:
            return
        keep = dropdown.value
        values = [value for _, value in options]
        dropdown.options = options
        if keep in values:
            dropdown.value = keep
        elif values:
            dropdown.value = values[-1] if prefer_last else values[0]
        else:
            dropdown.value = None
