"""The simulated runtime's image registry: which images a simulated container instance can pull.

On ECS the container agent pulls each container's ``image`` before starting it; an image that
does not exist fails the task with ``CannotPullContainerError`` (stopCode ``TaskFailedToStart``).
The simulated runtime has no registry to ask, so it has this one, with three sources:

* the demo images (``ecsedu/web``, ``ecsedu/worker``, ``ecsedu/crashy``, ``ecsedu/metrics``) with
  the tag they have on Docker (``latest``);
* a catalogue of common public images and tags (``CATALOGUE``, listed in ``docs/images.md``);
* images the learner adds (``ecs.add_image("myorg/app:1.0")``).

Anything else fails the way a Docker daemon's pull fails: ``pull access denied for REPO,
repository does not exist or may require 'docker login': ...`` for an unknown repository, and
``manifest for REPO:TAG not found: manifest unknown: ...`` for an unknown tag of a known one.

Each image has a digest (``imageDigest`` in DescribeTasks): a deterministic ``sha256:...`` made
from the image's normalised reference, so the same image always has the same digest. (It is not a
real registry's manifest digest; the Docker runtime reports the real one.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import NamedTuple

__all__ = [
    "CATALOGUE",
    "DEMO_TAGS",
    "ImageRef",
    "ImageRegistry",
    "manifest_unknown_message",
    "parse",
    "pull_denied_message",
]

#: The demo images and the tags they carry on Docker (``python -m ecsedu images build``).
DEMO_TAGS: dict[str, tuple[str, ...]] = {
    "ecsedu/web": ("latest",),
    "ecsedu/worker": ("latest",),
    "ecsedu/crashy": ("latest",),
    "ecsedu/metrics": ("latest",),
}

_LIBRARY: dict[str, tuple[str, ...]] = {
    "nginx": ("latest", "stable", "alpine", "1.25", "1.26", "1.27", "mainline"),
    "httpd": ("latest", "2.4", "alpine", "2.4-alpine"),
    "busybox": ("latest", "1.36", "stable", "musl", "glibc"),
    "alpine": ("latest", "3.18", "3.19", "3.20", "3.21"),
    "ubuntu": ("latest", "22.04", "24.04", "jammy", "noble"),
    "debian": ("latest", "bookworm", "bookworm-slim", "bullseye", "stable-slim"),
    "amazonlinux": ("latest", "2", "2023"),
    "redis": ("latest", "7", "7.2", "7.4", "alpine", "7-alpine"),
    "memcached": ("latest", "1.6", "alpine"),
    "postgres": ("latest", "15", "16", "17", "alpine", "16-alpine"),
    "mysql": ("latest", "8.0", "8.4", "lts"),
    "mongo": ("latest", "6", "7", "8"),
    "rabbitmq": ("latest", "3", "3-management", "management"),
    "haproxy": ("latest", "2.8", "3.0", "lts"),
    "traefik": ("latest", "v2.11", "v3.0", "v3.1"),
    "python": ("latest", "3.11", "3.12", "3.13", "3.12-slim", "3.12-alpine", "slim", "alpine"),
    "node": ("latest", "18", "20", "22", "lts", "20-alpine", "22-alpine", "alpine", "slim"),
    "golang": ("latest", "1.22", "1.23", "alpine"),
    "openjdk": ("latest", "17", "21", "17-slim"),
    "wordpress": ("latest", "php8.2", "6"),
}

#: Public images a simulated instance can pull, repository → tags (docs/images.md lists them).
#: Docker Hub "official" images are also reachable as ``library/NAME``, ``docker.io/NAME``,
#: ``docker.io/library/NAME`` and through Amazon ECR Public's mirror,
#: ``public.ecr.aws/docker/library/NAME``.
CATALOGUE: dict[str, tuple[str, ...]] = {
    **{f"docker.io/library/{name}": tags for name, tags in _LIBRARY.items()},
    **{f"public.ecr.aws/docker/library/{name}": tags for name, tags in _LIBRARY.items()},
    "docker.io/amazon/amazon-ecs-sample": ("latest",),
    "public.ecr.aws/ecs-sample-image/amazon-ecs-sample": ("latest",),
    "public.ecr.aws/nginx/nginx": ("latest", "stable", "alpine", "1.25", "1.26", "1.27"),
    "public.ecr.aws/amazonlinux/amazonlinux": ("latest", "2", "2023"),
    "public.ecr.aws/bitnami/redis": ("latest", "7.2"),
    "public.ecr.aws/aws-observability/aws-otel-collector": ("latest",),
    "public.ecr.aws/aws-observability/aws-for-fluent-bit": ("latest", "stable"),
}


class ImageRef(NamedTuple):
    """A parsed image reference. ``repository`` is normalised (``docker.io/library/nginx``);
    ``written`` is the repository as the task definition wrote it (what Docker's messages name).
    """

    repository: str
    tag: str
    digest: str | None
    written: str

    @property
    def canonical(self) -> str:
        return f"{self.repository}:{self.tag}"


def parse(image: str) -> ImageRef:
    """``[registry/]repository[:tag][@sha256:...]`` → ``ImageRef`` (tag defaults to latest)."""
    rest, _, digest = image.partition("@")
    last = rest.rpartition("/")[2]
    if ":" in last:
        written, _, tag = rest.rpartition(":")
    else:
        written, tag = rest, "latest"
    first = written.split("/", 1)[0]
    has_registry = "/" in written and ("." in first or ":" in first or first == "localhost")
    repository = written if has_registry else f"docker.io/{written}"
    if repository.startswith("docker.io/") and repository.count("/") == 1:
        repository = "docker.io/library/" + repository[len("docker.io/") :]
    if repository.startswith("index.docker.io/"):
        repository = "docker.io/" + repository[len("index.docker.io/") :]
    return ImageRef(repository.lower(), tag or "latest", digest or None, written)


def image_digest(ref: ImageRef) -> str:
    """The deterministic digest of one repository:tag (``sha256:`` and 64 hex digits)."""
    text = f"ecsedu-simulated-image:{ref.canonical}"
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def pull_denied_message(repository: str) -> str:
    """Docker's answer to a pull of a repository that does not exist (docker pull, Docker Hub)."""
    return (
        f"Error response from daemon: pull access denied for {repository}, repository does not "
        "exist or may require 'docker login': denied: requested access to the resource is denied"
    )


def manifest_unknown_message(repository: str, tag: str, at: str = ":") -> str:
    """Docker's answer to a pull of a tag that a repository does not have."""
    return (
        f"Error response from daemon: manifest for {repository}{at}{tag} not found: "
        "manifest unknown: manifest unknown"
    )


class ImageRegistry:
    """What a simulated container instance can pull. One per engine, shared by its instances."""

    def __init__(self, added: Iterable[str] = ()) -> None:
        self.known: dict[str, set[str]] = {}
        for source in (DEMO_TAGS, CATALOGUE):
            for name, tags in source.items():
                self.known.setdefault(parse(name).repository, set()).update(tags)
        #: The images the learner added, as written (saved with the state).
        self.added: list[str] = []
        # image as written -> (digest, error, is a demo image): every task start asks
        self._answers: dict[str, tuple[str | None, str | None, bool]] = {}
        for name in added:
            self.add(name)

    def add(self, image: str) -> str:
        """Make ``image`` (``repository[:tag]``, tag ``latest`` by default) pullable; returns its
        digest."""
        ref = parse(image)
        self.known.setdefault(ref.repository, set()).add(ref.tag)
        self._answers.clear()
        if image not in self.added:
            self.added.append(image)
        return image_digest(ref)

    def pull(self, image: str) -> tuple[str | None, str | None]:
        """(digest, None) when ``image`` can be pulled, else (None, Docker's error text)."""
        answer = self._answers.get(image)
        if answer is None:
            digest, error = self._pull(image)
            answer = self._answers[image] = (digest, error, parse(image).repository in _DEMO)
        return answer[0], answer[1]

    def _pull(self, image: str) -> tuple[str | None, str | None]:
        ref = parse(image)
        tags = self.known.get(ref.repository)
        if tags is None:
            return None, pull_denied_message(ref.written)
        if ref.digest is not None:
            if any(image_digest(ref._replace(tag=t)) == ref.digest for t in tags):
                return ref.digest, None
            return None, manifest_unknown_message(ref.written, ref.digest, at="@")
        if ref.tag not in tags:
            return None, manifest_unknown_message(ref.written, ref.tag)
        return image_digest(ref), None

    def is_demo(self, image: str) -> bool:
        """One of ecsedu's demo images (tiny: quick to pull)."""
        answer = self._answers.get(image)
        if answer is None:
            self.pull(image)
            answer = self._answers[image]
        return answer[2]


_DEMO = frozenset(parse(name).repository for name in DEMO_TAGS)
