"""The classroom: one AWS-style account per learner, each with its own ECS.

An account has a name, a 12-digit account id, an access key pair, and its own ecsedu
connection (its own engine), built through the public ``ecsedu.connect``. Its state lives in
``<state dir>/<account id>.json``, written atomically (``ecs.save``) after every call that
changed it (the change feed says so), before the reply leaves: a ``kill -9`` loses no
acknowledged change. The roster (names, ids, keys) is ``<state dir>/accounts.json`` (mode 0600).

A state file that cannot be read is never replaced silently: it is renamed
``<id>.json.corrupt-<time>``, reported (``Classroom.problems`` and stderr), and the account
starts empty.

On ``runtime="docker"`` each account is ``ecsedu.connect("docker",
namespace="ecsedu-class-<name>")``: real containers on the wall clock (no ``speed``, no frozen
clocks). A journal cannot be replayed there (a replayed RunTask would start new containers), so
every change is a full checkpoint instead, and a restart loads it with ``connect(state=...)``,
which adopts the learner's running containers by their labels.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import io
import json
import os
import re
import secrets
import string
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from ecsedu.errors import StateFileError, service_model
from ecsedu.server import durable as durable_mod
from ecsedu.server import limits as limits_mod
from ecsedu.server import wire
from ecsedu.server.protocol import Arns, AwsError

__all__ = ["RUNTIMES", "Account", "Classroom", "Key", "namespace_of", "read_roster"]

RUNTIMES = ("simulated", "docker")

ROSTER_FILE = "accounts.json"
#: The instructor's settings and the learners' exercise progress (not engine state).
CLASS_FILE = "classroom.json"
#: Each service's code for a request its operation cannot take (botocore's model names them).
INVALID_PARAMETER = {
    "ecs": "InvalidParameterException",
    "application-autoscaling": "ValidationException",
    "cloudwatch": "InvalidParameterValue",
    "elbv2": "ValidationError",
    "autoscaling": "ValidationError",
}
_KEY_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


def _type_errors_only(report: str) -> bool:
    """Whether botocore's report lists only values of the wrong type."""
    lines = [line for line in report.splitlines()[1:] if line.strip()]
    return bool(lines) and all(line.startswith("Invalid type for parameter") for line in lines)


@dataclass(frozen=True)
class Key:
    name: str
    account_id: str
    access_key_id: str
    secret_access_key: str
    role: str = "learner"  # learner | instructor


def new_key(name: str, role: str = "learner", taken: Iterable[str] = ()) -> Key:
    used = set(taken)
    while True:
        account_id = str(secrets.randbelow(9 * 10**11) + 10**11)
        if account_id not in used and account_id != "123456789012":
            break
    return Key(
        name=name,
        account_id=account_id,
        access_key_id="AKIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16)),
        secret_access_key="".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40)),
        role=role,
    )


def read_roster(path: str | os.PathLike[str]) -> list[Key]:
    """Learners from a roster file: one name a line, or CSV with a header naming some of
    ``name,account_id,access_key_id,secret_access_key`` (missing ids and keys are generated)."""
    text = Path(path).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ValueError(f"the roster {os.fspath(path)!r} names nobody")
    keys: list[Key] = []
    if "," in lines[0] and "name" in [c.strip() for c in lines[0].split(",")]:
        rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    else:
        rows = [{"name": ln.strip()} for ln in lines]
    for row in rows:
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        if not row.get("name"):
            continue
        key = new_key(row["name"], taken=[k.account_id for k in keys])
        account_id = row.get("account_id") or key.account_id
        if not (len(account_id) == 12 and account_id.isdigit()):
            raise ValueError(f"roster: {row['name']}'s account_id must be 12 digits")
        keys.append(
            Key(
                row["name"],
                account_id,
                row.get("access_key_id") or key.access_key_id,
                row.get("secret_access_key") or key.secret_access_key,
            )
        )
    names = [k.name for k in keys]
    if len(set(names)) != len(names):
        raise ValueError("roster: every learner needs a different name")
    return keys


def namespace_of(key: Key) -> str:
    """The Docker owner namespace of a learner's containers: ``ecsedu-class-<name>``."""
    return "ecsedu-class-" + (
        re.sub(r"[^A-Za-z0-9_.-]+", "-", key.name).strip("-") or key.account_id
    )


class _NoWait:
    """A live connection whose ``advance`` does not block: on Docker the clock runs by itself
    (a scenario's "let it settle" must not hold the server's thread for minutes)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def advance(self, seconds: float) -> dict[str, Any]:
        return {}


def _groups(account: Account) -> list[dict[str, Any]]:
    """The account's EC2 Auto Scaling groups, as DescribeAutoScalingGroups lists them."""
    client = account.client.ec2_autoscaling
    out: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = client.describe_auto_scaling_groups(
            MaxRecords=100, **({"NextToken": token} if token else {})
        )
        out += page.get("AutoScalingGroups", [])
        token = page.get("NextToken")
        if not token:
            return out


def _operations(client: Any) -> dict[str, str]:
    """Operation name -> client method name, for every ECS operation the client has."""
    out: dict[str, str] = {}
    for attr in dir(type(client)):
        fn = getattr(type(client), attr, None)
        name = getattr(fn, "operation_name", None)
        if isinstance(name, str):
            out[name] = attr
    return out


@dataclass
class Account:
    key: Key
    client: Any  # an ecsedu.connect() connection (EcsClient)
    durable: durable_mod.Durable
    limits: limits_mod.Limits
    speed: float = 1.0
    arns: Arns = field(init=False)
    bucket: limits_mod.TokenBucket = field(init=False)
    dirty: bool = False
    last_tick: float = field(default_factory=time.monotonic)
    errors: collections.deque[dict[str, Any]] = field(
        default_factory=lambda: collections.deque(maxlen=20)
    )
    calls: int = 0
    last_call: float = 0.0
    version: int = 0  # bumped after every saved change (the board listens)
    frozen: bool = False  # the instructor froze the clock: simulated time stands still
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)  # exercise -> result
    live: bool = False  # a Docker engine: the wall clock, changes also between calls

    def __post_init__(self) -> None:
        self.arns = Arns(self.key.account_id)
        self.bucket = limits_mod.TokenBucket(self.limits.rate, self.limits.burst)
        self.client.subscribe(self._changed)

    def _changed(self, change: object) -> None:
        self.dirty = True

    def tick(self) -> None:
        """Let simulated time catch up with the wall clock (times ``speed``)."""
        if self.live:  # the wall clock; the engine's own driver keeps it current
            return
        now = time.monotonic()
        if self.frozen:  # frozen time is never caught up with
            self.last_tick = now
            return
        elapsed = (now - self.last_tick) * self.speed
        if elapsed >= 0.01:
            self.last_tick = now
            self.client.advance(elapsed)

    def record(self, operation: str, params: dict[str, Any], when: float) -> None:
        """Make the change just made durable (journal it) before its reply leaves."""
        if self.dirty:
            self.dirty = False  # first: a change the driver makes meanwhile marks it again
            if self.live:  # no replay on real containers: the whole state, every change
                self.durable.checkpoint(self.client)
                self.version += 1
                return
            self.durable.record(when, operation, params)
            self.version += 1
            if self.durable.entries >= durable_mod.CHECKPOINT_EVERY:
                self.durable.checkpoint(self.client)

    def checkpoint(self) -> None:
        if self.durable.entries:
            self.durable.checkpoint(self.client)
        elif self.live and self.dirty:  # the driver changed it between calls
            self.dirty = False
            self.durable.checkpoint(self.client)
            self.version += 1


class Classroom:
    """Every account, by access key and by account id, with their limits and state files."""

    def __init__(
        self,
        keys: list[Key],
        state_dir: str | os.PathLike[str],
        *,
        limits: limits_mod.Limits | None = None,
        speed: float = 1.0,
        fsync: bool = False,
        log: Callable[[str], None] | None = None,
        runtime: str = "simulated",
        docker_host: str | None = None,
        cleanup_on_exit: bool = False,
    ) -> None:
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        self.runtime = runtime
        self.docker_host = docker_host
        self.cleanup_on_exit = cleanup_on_exit
        self.fsync = fsync
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.limits = limits or limits_mod.Limits()
        self.speed = speed
        self.log = log or (lambda text: print(text, file=sys.stderr))
        self.problems: list[str] = []
        self.accounts: dict[str, Account] = {}  # by access key id
        self.by_id: dict[str, Account] = {}
        self._operations: dict[str, str] | None = None
        self._by_service: dict[str, dict[str, str]] = {}
        self.listeners: list[Callable[[Account], None]] = []
        for key in keys:
            self._open(key)
        self.frozen = False
        self._load_class()

    # -- the roster --------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        state_dir: str | os.PathLike[str],
        *,
        learners: int | None = None,
        roster: list[Key] | None = None,
        **options: Any,
    ) -> Classroom:
        """The classroom saved in ``state_dir``, plus the learners asked for that are new.

        ``learners=N`` makes sure there are N learners (learner01 ...); ``roster`` adds its
        names. An instructor key is always there."""
        directory = Path(state_dir)
        directory.mkdir(parents=True, exist_ok=True)
        saved = _load_keys(directory / ROSTER_FILE)
        names = {k.name for k in saved}
        keys = list(saved)
        wanted: list[Key] = []
        if roster:
            wanted += roster
        if learners:
            wanted += [new_key(f"learner{i:02d}") for i in range(1, learners + 1)]
        if not any(k.role == "instructor" for k in keys):
            wanted.append(new_key("instructor", role="instructor"))
        for key in wanted:
            if key.name in names:
                continue
            taken = {k.account_id for k in keys}
            if key.account_id in taken:
                key = Key(
                    key.name,
                    new_key(key.name, taken=taken).account_id,
                    key.access_key_id,
                    key.secret_access_key,
                    key.role,
                )
            keys.append(key)
            names.add(key.name)
        _save_keys(directory / ROSTER_FILE, keys)
        return cls(keys, directory, **options)

    def _open(self, key: Key) -> Account:
        import ecsedu

        seed = int(key.account_id) % (2**31)

        def connect(state: Path | None) -> Any:
            if self.runtime == "docker":  # adopts the learner's running containers by label
                return ecsedu.connect(
                    "docker",
                    seed=seed,
                    state=state,
                    namespace=namespace_of(key),
                    docker_host=self.docker_host,
                )
            return ecsedu.connect("simulated", seed=seed, state=state)

        def report(text: str) -> None:
            problem = f"{key.name} ({key.account_id}): {text}"
            self.problems.append(problem)
            self.log(f"ecsedu serve: {problem}")

        durable = durable_mod.Durable(
            self.state_dir, key.account_id, connect, report, fsync=self.fsync
        )
        client = durable.open()
        live = self.runtime == "docker"
        account = Account(key, client, durable, self.limits, self.speed, live=live)
        self.accounts[key.access_key_id] = account
        self.by_id[key.account_id] = account
        return account

    def secret_of(self, access_key_id: str) -> str | None:
        account = self.accounts.get(access_key_id)
        return None if account is None else account.key.secret_access_key

    @property
    def learners(self) -> list[Account]:
        return [a for a in self.by_id.values() if a.key.role == "learner"]

    # -- one call ----------------------------------------------------------------------------
    def operations(self, account: Account, service: str = "") -> dict[str, str]:
        """Operation name -> method of the client for ``service`` (a sibling attribute of the
        connection, ``autoscaling``, ``cloudwatch``, ``elbv2``, ``ec2_autoscaling``; "" for ECS)."""
        found = self._by_service.get(service)
        if found is None:
            client = getattr(account.client, service) if service else account.client
            found = self._by_service[service] = _operations(client)
            if not service:
                self._operations = found
        return found

    def call(
        self,
        account: Account,
        operation: str,
        params: dict[str, Any],
        service: wire.Service = wire.ECS,
    ) -> Any:
        """Run one operation of ``service`` (ECS by default) for ``account``; save before
        returning if it changed state.

        Raises:
            AwsError: the service's error, a limit, or the throttle.
        """
        account.calls += 1
        journal_name = operation if not service.attribute else f"{service.attribute}:{operation}"
        if not account.bucket.take():
            raise self._noted(account, journal_name, limits_mod.throttled())
        methods = self.operations(account, service.attribute)
        method = methods.get(operation)
        if method is None:
            known = operation in service_model(service.botocore).operation_names
            if known:
                code = "ClientException" if not service.attribute else "UnsupportedOperation"
                raise self._noted(
                    account,
                    journal_name,
                    AwsError(code, f"ecsedu does not model {operation} yet."),
                )
            raise AwsError(
                "UnknownOperationException", None, type_prefix="com.amazon.coral.service#"
            )
        account.last_call = time.monotonic()
        when = account.client.clock.now
        ran = False  # a call refused before it ran is journalled as the clock step alone
        try:
            account.tick()
            when = account.client.clock.now
            if not service.attribute and operation in limits_mod.GUARDED:
                groups = _groups(account) if operation == "RegisterContainerInstance" else None
                limits_mod.check(self.limits, operation, params, account.client.snapshot(), groups)
            elif service is wire.EC2_AUTOSCALING and operation in limits_mod.GUARDED_GROUPS:
                limits_mod.check_groups(
                    self.limits, operation, params, _groups(account), account.client.snapshot()
                )
            ran = True
            client = getattr(account.client, service.attribute) if service.attribute else None
            result = getattr(client or account.client, method)(**params)
        except AwsError as exc:
            raise self._noted(account, journal_name, exc) from None
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            raise self._noted(
                account,
                journal_name,
                AwsError(str(error.get("Code", "ClientException")), error.get("Message"), status),
            ) from None
        except (ParamValidationError, TypeError) as exc:  # not what the operation takes
            # boto3 and the AWS CLI refuse such a request before sending it; one sent by hand
            # gets botocore's report (ECS's own texts for it are unknown: docs/error-texts.md).
            # A value of the wrong type is a SerializationException on ECS (a 400 with that
            # code: https://github.com/traefik/traefik/issues/3758).
            code = INVALID_PARAMETER.get(service.botocore, "ValidationException")
            if service.botocore == "ecs" and _type_errors_only(str(exc)):
                code = "SerializationException"
            raise self._noted(account, journal_name, AwsError(code, str(exc))) from None
        finally:
            if ran:
                self._save(account, journal_name, params, when)
            else:
                self._save(account, durable_mod.TICK, {}, when)
        return result

    def _noted(self, account: Account, operation: str, error: AwsError) -> AwsError:
        account.errors.append(
            {
                "time": time.time(),
                "operation": operation,
                "code": error.code,
                "message": account.arns.outbound_text(error.message or ""),
            }
        )
        return error

    def _save(self, account: Account, operation: str, params: dict[str, Any], when: float) -> None:
        if not account.dirty:
            return
        try:
            account.record(operation, params, when)
        except OSError as exc:
            self.problems.append(f"{account.key.name}: could not save its state: {exc}")
            self.log(f"ecsedu serve: {self.problems[-1]}")
            raise AwsError("ServerException", "The state could not be saved.") from None
        self._notify(account)

    def reset(self, account: Account) -> None:
        """Start the learner over: an empty account (same id, same keys)."""
        account.client.reset()
        account.dirty = True
        self._save(account, durable_mod.RESET, {}, 0.0)
        account.checkpoint()

    # -- the instructor's controls ------------------------------------------------------------
    def _notify(self, account: Account) -> None:
        for listener in list(self.listeners):
            with contextlib.suppress(Exception):
                listener(account)

    def broadcast(self, scenario: str, accounts: list[Account] | None = None) -> list[Account]:
        """Every learner (or ``accounts``) starts over from the named scenario, built through
        the public client on their own connection, then saved as a fresh checkpoint.

        Raises:
            KeyError: for an unknown scenario (nothing changes).
        """
        from ecsedu.server import scenarios

        if scenario not in scenarios.SCENARIOS:
            raise KeyError(scenario)
        targets = self.learners if accounts is None else accounts
        for account in targets:
            account.client.reset()
            scenarios.build(scenario, _NoWait(account.client) if account.live else account.client)
            account.last_tick = time.monotonic()
            account.dirty = False
            account.version += 1
            account.durable.checkpoint(account.client)
            self._notify(account)
        return targets

    def freeze(self, frozen: bool) -> None:
        """Freeze (or resume) every account's clock. A frozen clock does not catch up with the
        wall time that passed while it was frozen."""
        self.frozen = bool(frozen)
        now = time.monotonic()
        for account in self.by_id.values():
            account.frozen = self.frozen
            account.last_tick = now
        self._save_class()
        for account in self.learners:
            self._notify(account)

    def report_exercise(self, account: Account, exercise: str, passed: bool) -> dict[str, Any]:
        """A learner's workbook checked an exercise: remember it (the board shows it)."""
        entry = account.progress.setdefault(exercise, {"passed": False, "attempts": 0, "time": 0.0})
        entry["attempts"] += 1
        entry["passed"] = bool(entry["passed"] or passed)
        entry["last"] = bool(passed)
        entry["time"] = time.time()
        self._save_class()
        self._notify(account)
        return entry

    def _load_class(self) -> None:
        path = self.state_dir / CLASS_FILE
        if not path.exists():
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.frozen = bool(data.get("frozen", False))
            progress = data.get("progress") or {}
        except (ValueError, AttributeError) as exc:
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            os.replace(path, aside)
            self.problems.append(f"{CLASS_FILE} could not be read ({exc}); kept aside as {aside}")
            self.log(f"ecsedu serve: {self.problems[-1]}")
            return
        for account in self.by_id.values():
            account.frozen = self.frozen
            found = progress.get(account.key.account_id)
            if isinstance(found, dict):
                account.progress = {
                    str(k): dict(v) for k, v in found.items() if isinstance(v, dict)
                }

    def _save_class(self) -> None:
        data = {
            "frozen": self.frozen,
            "progress": {a.key.account_id: a.progress for a in self.by_id.values() if a.progress},
        }
        fd, tmp = tempfile.mkstemp(prefix=".classroom-", dir=self.state_dir)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, separators=(",", ":"))
        os.replace(tmp, self.state_dir / CLASS_FILE)

    def checkpoint_idle(self, idle: float = 3.0) -> None:
        """Checkpoint the accounts that have journalled changes and have been idle a while."""
        now = time.monotonic()
        for account in self.by_id.values():
            pending = account.durable.entries or (account.live and account.dirty)
            if pending and now - account.last_call >= idle:
                try:
                    account.checkpoint()
                except OSError as exc:
                    self.log(f"ecsedu serve: {account.key.name}: checkpoint failed: {exc}")
                    continue
                if account.live:
                    self._notify(account)  # the board hears what the containers did

    def close(self) -> None:
        """Checkpoint and close every engine. On Docker the containers keep running (a restart
        adopts them) unless ``cleanup_on_exit``: then each engine removes its own."""
        for account in self.by_id.values():
            with contextlib.suppress(Exception):
                account.checkpoint()
            account.durable.close()
            with contextlib.suppress(Exception):
                account.client.close(cleanup=self.cleanup_on_exit)

    # -- the sheet ---------------------------------------------------------------------------
    def sheet(self, endpoint: str) -> str:
        rows = [
            "Classroom ECS endpoint: " + endpoint,
            "Each learner: export these, then `aws ecs list-clusters` or boto3.client('ecs').",
            "",
            f"{'name':<14} {'account id':<13} {'AWS_ACCESS_KEY_ID':<21} AWS_SECRET_ACCESS_KEY",
        ]
        for account in self.by_id.values():
            k = account.key
            tag = " (instructor)" if k.role == "instructor" else ""
            rows.append(
                f"{k.name:<14} {k.account_id:<13} {k.access_key_id:<21} {k.secret_access_key}{tag}"
            )
        rows += [
            "",
            f"export AWS_ENDPOINT_URL_ECS={endpoint} AWS_DEFAULT_REGION=us-east-1 "
            "AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...",
        ]
        return "\n".join(rows)


def _load_keys(path: Path) -> list[Key]:
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Key(**entry) for entry in data["accounts"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise StateFileError(
            f"The classroom roster {os.fspath(path)!r} is damaged ({exc}); fix it or move it "
            "away (the learners' keys are in it)."
        ) from None


def _save_keys(path: Path, keys: list[Key]) -> None:
    data = json.dumps({"accounts": [k.__dict__ for k in keys]}, indent=1)
    fd, tmp = tempfile.mkstemp(prefix=".accounts-", dir=path.parent)
    with os.fdopen(fd, "w") as f:
        f.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
