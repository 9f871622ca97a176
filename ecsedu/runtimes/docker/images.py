"""The demo images, built offline: what a task definition's ``image`` names on local Docker.

In ECS the container agent pulls each container's ``image`` from a registry before starting it
(a failure is the task's ``CannotPullContainerError``). A classroom machine often has no registry
at hand, so ecsedu builds its demo images locally from Debian's ``busybox-static`` (one static
binary that is ``sh``, ``httpd``, ``wget``, ``sleep`` ... at once), by ``docker import`` of a small
root filesystem, in well under a second and with no network:

``ecsedu/web``
    busybox ``httpd`` on port ``$PORT`` (default 80) serving a page that names its task, container
    and cluster (from the ``ECS_*`` variables the Docker runtime injects), plus ``/health``.
    Every image has ``/ecsedu/http-get URL`` for health checks and probes (busybox-static's
    ``wget`` cannot resolve container names; ``nc`` can).
``ecsedu/metrics``
    the metrics sidecar of the article's running example: counts scrapes of ``$METRICS_TARGET``
    (for example ``http://web/`` over the task network) and serves them on ``$METRICS_PORT``
    (default 9100) at ``/metrics``, logging a line every ``$METRICS_INTERVAL`` seconds.
``ecsedu/worker``
    burns ``$WORKER_CPU_PERCENT`` percent of a CPU (default 100; 150 = one and a half cores),
    optionally holds ``$WORKER_MEMORY_MB`` MiB of memory (enough to be OOM-killed under a small
    ``memory`` limit), and stops after ``$WORKER_SECONDS`` seconds (0 = never).
``ecsedu/crashy``
    exits with code ``$EXIT_CODE`` (default 1) after ``$EXIT_AFTER`` seconds (default 5), like the
    simulated runtime's crashy (``$CRASH_AFTER`` is still read as an older alias).

On ``docker stop`` (SIGTERM) every image cleans up and exits with code 143 (128 + 15: what Docker
reports for a process that SIGTERM ends), as the simulated runtime's containers do. With
``IGNORE_SIGTERM=1`` in its environment an image ignores SIGTERM, like a program that is PID 1
with no handler: ``docker stop`` then kills it after the stop timeout, exit code 137 (128 + 9).

Every image carries the labels ``ecsedu.image`` and ``ecsedu.image-hash`` (a hash of its content):
building is skipped when the tag already holds the same content, unless ``--force``.

Command line::

    python -m ecsedu images build [--force] [--docker-host URL]
    python -m ecsedu images list [--docker-host URL]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecsedu.errors import EcsEduError
from ecsedu.runtimes.docker import engine as docker_engine
from ecsedu.runtimes.docker import labels

__all__ = [
    "BUSYBOX_PATH",
    "DEMO_IMAGES",
    "BuildResult",
    "DemoImage",
    "build_images",
    "demo_image_names",
    "image_hash",
    "main",
    "rootfs_tar",
]

BUSYBOX_PATH = Path("/bin/busybox")
_MTIME = 1_700_000_000  # fixed, so that the same content always gives the same tar and hash

_WEB_SH = r"""#!/bin/sh
# ecsedu/web: a page that names its task and container (busybox httpd).
PORT="${PORT:-80}"
mkdir -p /www
cat > /www/index.html <<EOF
<!doctype html>
<html><head><title>ecsedu/web ${ECS_CONTAINER_NAME:-web}</title></head>
<body>
<h1>Hello from ecsedu/web</h1>
<p>task: <b id="task">${ECS_TASK_ARN:-unknown}</b></p>
<p>task id: <b id="task-id">${ECS_TASK_ID:-unknown}</b></p>
<p>container: <b id="container">${ECS_CONTAINER_NAME:-unknown}</b></p>
<p>cluster: <b id="cluster">${ECS_CLUSTER:-unknown}</b></p>
<p>hostname: <b id="hostname">$(hostname)</b></p>
<p>message: ${WEB_MESSAGE:-}</p>
</body></html>
EOF
echo ok > /www/health
echo "ecsedu/web: serving task ${ECS_TASK_ID:-?} container ${ECS_CONTAINER_NAME:-?} on :$PORT"
httpd -f -p "$PORT" -h /www &
pid=$!
trap 'kill $pid 2>/dev/null; exit 143' TERM  # 143 = 128 + SIGTERM
trap 'kill $pid 2>/dev/null; exit 130' INT
[ "${IGNORE_SIGTERM:-0}" = 0 ] || trap '' TERM  # IGNORE_SIGTERM=1: only SIGKILL ends it (137)
wait $pid
"""

_HTTP_GET_SH = r"""#!/bin/sh
# /ecsedu/http-get URL: print the body of an HTTP GET; exit 0 on a 2xx/3xx answer.
# (busybox-static's wget cannot resolve names inside containers; nc can.)
rest="${1#http://}"; hostport="${rest%%/*}"; path="/${rest#*/}"
[ "$rest" = "$hostport" ] && path="/"
host="${hostport%%:*}"; port="${hostport##*:}"
[ "$port" = "$hostport" ] && port=80
answer=$(printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$host" \
  | nc -w "${HTTP_GET_TIMEOUT:-3}" "$host" "$port" 2>/dev/null | tr -d '\r')
printf '%s\n' "$answer" | sed '1,/^$/d'
case "$(printf '%s\n' "$answer" | head -1)" in
  "HTTP/1."[01]" 2"*|"HTTP/1."[01]" 3"*) exit 0 ;;
esac
exit 1
"""

_METRICS_SH = r"""#!/bin/sh
# ecsedu/metrics: the metrics sidecar; counts scrapes of $METRICS_TARGET, serves /metrics.
PORT="${METRICS_PORT:-9100}"
INTERVAL="${METRICS_INTERVAL:-5}"
TARGET="${METRICS_TARGET:-}"
mkdir -p /www
echo ok > /www/health
httpd -f -p "$PORT" -h /www &
pid=$!
trap 'kill $pid 2>/dev/null; exit 143' TERM  # 143 = 128 + SIGTERM
trap 'kill $pid 2>/dev/null; exit 130' INT
[ "${IGNORE_SIGTERM:-0}" = 0 ] || trap '' TERM  # IGNORE_SIGTERM=1: only SIGKILL ends it (137)
n=0; up=0; down=0
while :; do
  n=$((n + 1))
  if [ -n "$TARGET" ]; then
    if /ecsedu/http-get "$TARGET" > /dev/null; then up=$((up + 1)); else down=$((down + 1)); fi
  fi
  printf 'ecsedu_scrapes_total %s\necsedu_target_up_total %s\necsedu_target_down_total %s\n' \
    "$n" "$up" "$down" > /www/metrics.tmp && mv /www/metrics.tmp /www/metrics
  echo "ecsedu/metrics: scrapes=$n target=${TARGET:-none} up=$up down=$down"
  sleep "$INTERVAL" & wait $!
done
"""

_WORKER_SH = r"""#!/bin/sh
# ecsedu/worker: burns $WORKER_CPU_PERCENT % of a CPU, holds $WORKER_MEMORY_MB MiB.
PCT="${WORKER_CPU_PERCENT:-100}"
MEM="${WORKER_MEMORY_MB:-0}"
SECS="${WORKER_SECONDS:-0}"
pids=""
trap 'kill -CONT $pids 2>/dev/null; kill $pids 2>/dev/null; exit 143' TERM  # 143 = 128 + SIGTERM
trap 'kill -CONT $pids 2>/dev/null; kill $pids 2>/dev/null; exit 130' INT
[ "${IGNORE_SIGTERM:-0}" = 0 ] || trap '' TERM  # IGNORE_SIGTERM=1: only SIGKILL ends it (137)
if [ "$MEM" -gt 0 ]; then
  echo "ecsedu/worker: allocating ${MEM} MiB"
  hog=$(dd if=/dev/zero bs=1048576 count="$MEM" 2>/dev/null | tr '\000' x)
  echo "ecsedu/worker: holding ${#hog} bytes"
fi
loops=$(( (PCT + 99) / 100 ))
i=0
while [ "$i" -lt "$loops" ]; do
  ( while :; do :; done ) &
  pids="$pids $!"
  i=$((i + 1))
done
echo "ecsedu/worker: burning ${PCT}% CPU with $loops loop(s)"
duty=0
[ "$loops" -gt 0 ] && duty=$(( PCT / loops ))
start=$(date +%s)
while :; do
  if [ "$SECS" -gt 0 ] && [ $(( $(date +%s) - start )) -ge "$SECS" ]; then
    kill -CONT $pids 2>/dev/null; kill $pids 2>/dev/null
    echo "ecsedu/worker: done after ${SECS}s"; exit 0
  fi
  if [ "$loops" -eq 0 ] || [ "$duty" -ge 100 ]; then
    sleep 1 & wait $!
  else
    kill -CONT $pids 2>/dev/null; usleep $(( duty * 1000 ))
    kill -STOP $pids 2>/dev/null; usleep $(( (100 - duty) * 1000 ))
  fi
done
"""

_CRASHY_SH = r"""#!/bin/sh
# ecsedu/crashy: exits with $EXIT_CODE after $EXIT_AFTER seconds ($CRASH_AFTER: older alias).
AFTER="${CRASH_AFTER:-${EXIT_AFTER:-5}}"
CODE="${EXIT_CODE:-1}"
trap 'echo "ecsedu/crashy: stopped before crashing"; exit 143' TERM  # 143 = 128 + SIGTERM
trap 'echo "ecsedu/crashy: stopped before crashing"; exit 130' INT
[ "${IGNORE_SIGTERM:-0}" = 0 ] || trap '' TERM  # IGNORE_SIGTERM=1: only SIGKILL ends it (137)
echo "ecsedu/crashy: exiting with code $CODE in ${AFTER}s"
sleep "$AFTER" & wait $!
echo "ecsedu/crashy: exit $CODE"
exit "$CODE"
"""

_SCRIPTS = {
    "http-get": _HTTP_GET_SH,
    "web.sh": _WEB_SH,
    "metrics.sh": _METRICS_SH,
    "worker.sh": _WORKER_SH,
    "crashy.sh": _CRASHY_SH,
}


@dataclass(frozen=True)
class DemoImage:
    """One offline demo image: a tag, the script it runs and its Docker config."""

    name: str  # repository, e.g. "ecsedu/web"
    script: str  # file under /ecsedu/
    description: str
    env: tuple[tuple[str, str], ...] = ()
    expose: tuple[int, ...] = ()
    tag: str = "latest"

    @property
    def ref(self) -> str:
        return f"{self.name}:{self.tag}"

    def changes(self) -> list[str]:
        """Dockerfile-style instructions applied by ``docker import``."""
        out = [
            f"CMD {json.dumps(['/ecsedu/' + self.script])}",
            "ENV PATH=/bin:/usr/bin:/sbin:/usr/sbin",
            "WORKDIR /",
        ]
        out += [f"ENV {key}={value}" for key, value in self.env]
        out += [f"EXPOSE {port}/tcp" for port in self.expose]
        return out


DEMO_IMAGES: dict[str, DemoImage] = {
    image.name: image
    for image in (
        DemoImage(
            "ecsedu/web",
            "web.sh",
            "httpd page naming its task and container",
            (("PORT", "80"),),
            (80,),
        ),
        DemoImage(
            "ecsedu/metrics",
            "metrics.sh",
            "metrics sidecar: scrapes $METRICS_TARGET, serves /metrics",
            (("METRICS_PORT", "9100"), ("METRICS_INTERVAL", "5")),
            (9100,),
        ),
        DemoImage(
            "ecsedu/worker",
            "worker.sh",
            "burns $WORKER_CPU_PERCENT % CPU",
            (("WORKER_CPU_PERCENT", "100"),),
        ),
        DemoImage(
            "ecsedu/crashy",
            "crashy.sh",
            "exits with $EXIT_CODE after $EXIT_AFTER seconds",
            (("EXIT_CODE", "1"), ("EXIT_AFTER", "5")),
        ),
    )
}


def demo_image_names() -> list[str]:
    """``ecsedu/web:latest`` ... : the references a task definition can use offline."""
    return [image.ref for image in DEMO_IMAGES.values()]


def _busybox_applets(busybox: Path) -> list[str]:
    try:
        out = subprocess.run([str(busybox), "--list"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise EcsEduError(
            f"cannot run {busybox} ({exc}); install it: apt-get install busybox-static"
        ) from exc
    return sorted(
        {name for name in out.stdout.split() if name and "/" not in name and name != "busybox"}
    )


def _add_file(tar: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, _MTIME
    info.uname = info.gname = "root"
    tar.addfile(info, io.BytesIO(data))


def _add_dir(tar: tarfile.TarFile, name: str, mode: int = 0o755) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = tarfile.DIRTYPE, mode, _MTIME
    info.uname = info.gname = "root"
    tar.addfile(info)


def _add_link(tar: tarfile.TarFile, name: str, target: str) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode, info.mtime = tarfile.SYMTYPE, target, 0o777, _MTIME
    info.uname = info.gname = "root"
    tar.addfile(info)


def rootfs_tar(busybox: Path = BUSYBOX_PATH) -> bytes:
    """The demo images' root filesystem as a tar: busybox, its applet links and the scripts.

    The tar is byte-for-byte reproducible for a given busybox binary.
    """
    if not busybox.is_file():
        raise EcsEduError(
            f"{busybox} not found: the demo images are built from Debian's busybox-static "
            "(apt-get install busybox-static)"
        )
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for directory in (
            "bin",
            "etc",
            "ecsedu",
            "proc",
            "sys",
            "dev",
            "root",
            "www",
            "usr",
            "usr/bin",
        ):
            _add_dir(tar, directory)
        _add_dir(tar, "tmp", 0o1777)
        _add_file(tar, "bin/busybox", busybox.read_bytes(), 0o755)
        for applet in _busybox_applets(busybox):
            _add_link(tar, f"bin/{applet}", "busybox")
        _add_file(
            tar,
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
            0o644,
        )
        _add_file(tar, "etc/group", b"root:x:0:\nnogroup:x:65534:\n", 0o644)
        for name, text in sorted(_SCRIPTS.items()):
            _add_file(tar, f"ecsedu/{name}", text.encode(), 0o755)
    return buf.getvalue()


def image_hash(image: DemoImage, rootfs: bytes) -> str:
    """Content hash of one image: its root filesystem plus its config (first 16 hex)."""
    digest = hashlib.sha256(rootfs)
    digest.update(json.dumps([image.name, image.changes()]).encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class BuildResult:
    ref: str
    built: bool  # False when the tag already held the same content
    image_id: str
    seconds: float


def _existing_hash(client: Any, ref: str) -> str | None:
    """The content hash on the image tagged ``ref``; None when there is no such image."""
    if not docker_engine.image_present(client, ref):
        return None
    config = client.api.inspect_image(ref).get("Config") or {}
    value = (config.get("Labels") or {}).get(labels.IMAGE_HASH)
    return str(value) if value is not None else ""


def build_images(
    client: Any, *, force: bool = False, names: Sequence[str] | None = None
) -> list[BuildResult]:
    """Build (or keep) the demo images on the engine behind ``client``.

    Args:
        client: a ``docker.DockerClient``.
        force: rebuild even when the tag already holds the same content.
        names: repositories to build (default: all of ``DEMO_IMAGES``).

    Returns:
        One ``BuildResult`` per image, in ``DEMO_IMAGES`` order.
    """
    rootfs = rootfs_tar()
    results: list[BuildResult] = []
    for image in DEMO_IMAGES.values():
        if names is not None and image.name not in names and image.ref not in names:
            continue
        started = time.perf_counter()
        content = image_hash(image, rootfs)
        if not force and _existing_hash(client, image.ref) == content:
            existing = client.images.get(image.ref)
            results.append(
                BuildResult(image.ref, False, str(existing.id), time.perf_counter() - started)
            )
            continue
        changes = [
            *image.changes(),
            f"LABEL {labels.IMAGE_NAME}={image.name} {labels.IMAGE_HASH}={content}",
        ]
        client.api.import_image_from_data(
            rootfs, repository=image.name, tag=image.tag, changes=changes
        )
        built = client.images.get(image.ref)
        results.append(BuildResult(image.ref, True, str(built.id), time.perf_counter() - started))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ecsedu images build [--force] | list``."""
    parser = argparse.ArgumentParser(
        prog="python -m ecsedu images", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build the demo images offline from busybox-static")
    build.add_argument("--force", action="store_true", help="rebuild even when up to date")
    build.add_argument(
        "--docker-host", default=None, help="Docker endpoint (default: $DOCKER_HOST)"
    )
    listing = sub.add_parser("list", help="show the demo images and whether they are built")
    listing.add_argument(
        "--docker-host", default=None, help="Docker endpoint (default: $DOCKER_HOST)"
    )
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))

    try:
        client = docker_engine.get_client(args.docker_host)
        if args.command == "build":
            for result in build_images(client, force=args.force):
                verb = "built" if result.built else "up to date"
                print(f"{result.ref:<24} {verb:<11} {result.image_id[7:19]}  {result.seconds:.2f}s")
            return 0
        rootfs = rootfs_tar()
        for image in DEMO_IMAGES.values():
            have = _existing_hash(client, image.ref)
            state = (
                "missing"
                if have is None
                else "built"
                if have == image_hash(image, rootfs)
                else "outdated"
            )
            print(f"{image.ref:<24} {state:<9} {image.description}")
        return 0
    except EcsEduError as exc:
        print(f"ecsedu images: {exc}", file=sys.stderr)
        return 1
