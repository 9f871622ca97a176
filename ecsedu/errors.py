"""Errors raised by ecsedu.

Two families, kept apart on purpose:

* API misuse is answered the way Amazon ECS answers it: a ``botocore.exceptions.ClientError``
  subclass built from botocore's own ECS service model (``ecs.exceptions.ClientException``,
  ``InvalidParameterException``, ``ClusterNotFoundException`` ...), carrying ECS's code and its
  exact message in ``response["Error"]``.  Code that catches these here catches them on AWS.
* Environment trouble (no Docker, a missing image, a port taken on the host) is an
  ``EcsEduError`` with a plain-language message that names the fix::

    EcsEduError
    ├── RuntimeUnavailableError    the backend (e.g. the Docker engine) cannot be reached
    ├── ImageNotFoundError         an image is not present locally and cannot be pulled
    ├── UnsafeTaskDefinitionError  privileged / host network / host mounts refused by default
    └── StateFileError             a saved state file cannot be read
"""

from __future__ import annotations

import functools
from typing import Any

from botocore.exceptions import ClientError

__all__ = [
    "ClientError",
    "EcsEduError",
    "ImageNotFoundError",
    "RuntimeUnavailableError",
    "StateFileError",
    "UnsafeTaskDefinitionError",
    "ecs_error",
    "exceptions",
]


class EcsEduError(Exception):
    """Root of ecsedu's own (non-ECS) errors: catch this to catch all of them."""


class RuntimeUnavailableError(EcsEduError):
    """The runtime backend cannot be reached (for example, no Docker engine answers)."""


class ImageNotFoundError(EcsEduError):
    """A container image is missing locally and no registry can supply it."""


class UnsafeTaskDefinitionError(EcsEduError):
    """A task definition asks for host access that ecsedu refuses unless opted in."""


class StateFileError(EcsEduError):
    """A state file given to ``connect(state=...)`` cannot be read."""


@functools.lru_cache(maxsize=1)
def service_model() -> Any:
    """botocore's ECS service model (loaded once, offline, ~25 ms)."""
    import botocore.session

    session = botocore.session.get_session()
    return session.get_service_model("ecs")


@functools.lru_cache(maxsize=1)
def exceptions() -> Any:
    """The ``ecs.exceptions`` namespace, exactly as a boto3 ECS client has it."""
    from botocore.errorfactory import ClientExceptionsFactory

    return ClientExceptionsFactory().create_client_exceptions(service_model())


def ecs_error(code: str, message: str, operation: str) -> ClientError:
    """Build the ClientError subclass that ECS would raise for ``code``.

    >>> error = ecs_error("ClientException", "Too many containers.", "RegisterTaskDefinition")
    >>> error.response["Error"]["Code"], error.operation_name
    ('ClientException', 'RegisterTaskDefinition')
    >>> str(error).endswith("operation: Too many containers.")
    True
    """
    cls = exceptions().from_code(code)
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    error: ClientError = cls(response, operation)
    return error
