"""Errors raised by ecsedu.

Two families, kept apart on purpose:

* API misuse is answered the way Amazon ECS answers it: a ``botocore.exceptions.ClientError``
  subclass built from botocore's own ECS service model (``ecs.exceptions.ClientException``,
  ``InvalidParameterException``, ``ClusterNotFoundException`` ...), carrying ECS's code and its
  exact message in ``response["Error"]``.  Code that catches these here catches them on AWS.
  A request that does not even fit botocore's model of the operation never gets that far: like
  boto3, ecsedu raises botocore's own ``botocore.exceptions.ParamValidationError`` first
  (``ecsedu.engine.validation.check_shape``). docs/error-texts.md says which texts are ECS's.
* Environment trouble (no Docker, a missing image, a port taken on the host) is an
  ``EcsEduError`` with a plain-language message that names the fix::

    EcsEduError
    ├── RuntimeUnavailableError    the backend (e.g. the Docker engine) cannot be reached
    ├── ImageNotFoundError         an image is not present locally and cannot be pulled
    ├── UnsafeTaskDefinitionError  privileged / host network / host mounts refused by default
    ├── StateFileError             a saved state file cannot be read
    └── UsageError                 a teaching helper got arguments it cannot use
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
    "UsageError",
    "ecs_error",
    "exceptions",
    "service_error",
    "service_model",
]


class EcsEduError(Exception):
    """Root of ecsedu's own (non-ECS) errors: catch this to catch all of them."""


class UsageError(EcsEduError, ValueError):
    """A teaching helper was called with arguments it cannot use (the message says how)."""


class RuntimeUnavailableError(EcsEduError):
    """The runtime backend cannot be reached (for example, no Docker engine answers)."""


class ImageNotFoundError(EcsEduError):
    """A container image is missing locally and no registry can supply it."""


class UnsafeTaskDefinitionError(EcsEduError):
    """A task definition asks for host access that ecsedu refuses unless opted in."""


class StateFileError(EcsEduError):
    """A state file given to ``connect(state=...)`` cannot be read."""


def service_model(service: str = "ecs") -> Any:
    """botocore's model of an AWS service (loaded once, offline, ~25 ms for ECS)."""
    return _service_model(service)


def exceptions(service: str = "ecs") -> Any:
    """The ``client.exceptions`` namespace, exactly as a boto3 client of ``service`` has it."""
    return _exceptions(service)


@functools.cache
def _service_model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


@functools.cache
def _exceptions(service: str) -> Any:
    from botocore.errorfactory import ClientExceptionsFactory

    return ClientExceptionsFactory().create_client_exceptions(_service_model(service))


def service_error(
    service: str, code: str, message: str, operation: str, status: int = 400
) -> ClientError:
    """The ClientError subclass that AWS ``service`` raises for ``code``, with ``message``."""
    cls = exceptions(service).from_code(code)
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    error: ClientError = cls(response, operation)
    return error


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
