"""boto3-shaped clients over one ``Engine``: one module per AWS service.

Each client names its botocore service model (``service = "ecs"``) and gets, from
``clients.base``, what boto3 gives a client of that service: request validation against the
model, ``client.exceptions.<Code>``, ``get_paginator`` and ``get_waiter`` from botocore's own
definitions. A client's operations are thin: each one runs an ``api`` function on the engine.
"""
