"""The classroom endpoint: Amazon ECS over HTTP, one AWS-style account per learner.

``python -m ecsedu serve`` runs it (see ``ecsedu.app.cli.serve``). The parts:

* ``protocol``: ECS's JSON 1.1 wire format and AWS-shaped errors; ARNs per account;
* ``sigv4``: every request's signature checked with botocore's own signer;
* ``accounts``: the roster, one ecsedu connection per learner, saved after every change;
* ``limits``: request rate and resources per learner;
* ``web``: the Tornado application and server;
* ``board``: the instructor's live page.

It uses the public client (``ecsedu.connect``) and the model's snapshots only.
"""

from __future__ import annotations

from ecsedu.server.accounts import Classroom, Key, read_roster
from ecsedu.server.limits import Limits
from ecsedu.server.web import Server, make_app

__all__ = ["Classroom", "Key", "Limits", "Server", "make_app", "read_roster"]
