"""The simulated runtime's image registry: names, answers in Docker's words, the documented
catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ecsedu.runtimes import registry
from ecsedu.runtimes.docker import images as docker_images

DOC = Path(__file__).resolve().parents[2] / "docs" / "images.md"


@pytest.mark.parametrize(
    ("image", "repository", "tag"),
    [
        ("nginx", "docker.io/library/nginx", "latest"),
        ("library/nginx:1.27", "docker.io/library/nginx", "1.27"),
        ("docker.io/nginx:alpine", "docker.io/library/nginx", "alpine"),
        ("index.docker.io/library/nginx", "docker.io/library/nginx", "latest"),
        ("amazon/amazon-ecs-sample", "docker.io/amazon/amazon-ecs-sample", "latest"),
        ("public.ecr.aws/nginx/nginx:1.25", "public.ecr.aws/nginx/nginx", "1.25"),
        ("localhost:5000/app", "localhost:5000/app", "latest"),
        ("registry.example.com:5000/team/app:2", "registry.example.com:5000/team/app", "2"),
    ],
)
def test_references_are_normalised(image: str, repository: str, tag: str) -> None:
    ref = registry.parse(image)
    assert (ref.repository, ref.tag) == (repository, tag)


def test_answers_read_as_docker_daemon_errors() -> None:
    r = registry.ImageRegistry()
    digest, error = r.pull("nginx")
    assert error is None
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest or "")
    assert r.pull("docker.io/library/nginx:latest") == (digest, None)
    assert r.pull("nginx:1.27")[0] != digest
    assert r.pull("myorg/app:1") == (
        None,
        "Error response from daemon: pull access denied for myorg/app, repository does not "
        "exist or may require 'docker login': denied: requested access to the resource is denied",
    )
    assert r.pull("nginx:9.9") == (
        None,
        "Error response from daemon: manifest for nginx:9.9 not found: manifest unknown: "
        "manifest unknown",
    )
    assert r.pull(f"nginx@{digest}") == (digest, None)
    assert r.pull("nginx@sha256:" + "0" * 64)[1] == (
        "Error response from daemon: manifest for nginx@sha256:" + "0" * 64 + " not found: "
        "manifest unknown: manifest unknown"
    )


def test_added_images_pull_and_are_remembered() -> None:
    r = registry.ImageRegistry()
    assert r.pull("myorg/app:1")[0] is None
    digest = r.add("myorg/app:1")
    assert r.pull("myorg/app:1") == (digest, None)
    assert r.pull("myorg/app:2")[0] is None  # only the tag added
    assert registry.ImageRegistry(r.added).pull("myorg/app:1") == (digest, None)


def test_demo_images_are_the_ones_docker_builds() -> None:
    assert {name: (image.tag,) for name, image in docker_images.DEMO_IMAGES.items()} == (
        registry.DEMO_TAGS
    )
    r = registry.ImageRegistry()
    assert r.is_demo("ecsedu/web")
    assert not r.is_demo("nginx")


def test_docs_list_the_catalogue() -> None:
    text = DOC.read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([^`]+)` \| (`.+`) \|$", text, flags=re.MULTILINE))
    expected: dict[str, tuple[str, ...]] = {}
    for repository, tags in registry.CATALOGUE.items():
        if repository.startswith("public.ecr.aws/docker/library/"):
            continue  # the mirror of the official images, documented once
        expected[repository.removeprefix("docker.io/library/").removeprefix("docker.io/")] = tags
    assert {name: tuple(re.findall(r"`([^`]+)`", tags)) for name, tags in listed.items()} == (
        expected
    )
    assert 20 <= len(expected) <= 40
