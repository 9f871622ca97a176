"""The journal: a call refused by a limit is never replayed as if it had run; a reopened
classroom (as after a crash: nothing closed) is where the last acknowledged call left it."""

from __future__ import annotations

import json
import time

import pytest

from ecsedu.server import Classroom, Limits
from ecsedu.server.protocol import AwsError

INSTANCE = [
    {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
    {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096},
]


def test_refused_calls_are_journalled_as_clock_steps_only(tmp_path):
    room = Classroom.open(tmp_path, learners=1, limits=Limits(tasks=2), speed=1000.0)
    (account,) = room.learners
    call = room.call
    call(account, "CreateCluster", {"clusterName": "c"})
    call(account, "RegisterContainerInstance", {"cluster": "c", "totalResources": INSTANCE})
    call(
        account,
        "RegisterTaskDefinition",
        {"family": "t", "containerDefinitions": [{"name": "c", "image": "busybox", "memory": 32}]},
    )
    call(account, "RunTask", {"cluster": "c", "taskDefinition": "t", "count": 2})
    time.sleep(0.05)  # 50 simulated seconds pass: the tasks move on
    with pytest.raises(AwsError) as err:
        call(account, "RunTask", {"cluster": "c", "taskDefinition": "t", "count": 2})
    assert err.value.code == "LimitExceededException"
    (journal,) = tmp_path.glob(f"{account.key.account_id}.*.journal")
    ops = [json.loads(line)["op"] for line in journal.read_text().splitlines()]
    assert ops[-1] == "__tick__"
    before = call(account, "ListTasks", {"cluster": "c"})["taskArns"]
    # reopen from disk without closing (as after kill -9)
    again = Classroom.open(tmp_path, limits=Limits(tasks=2), speed=0.0)
    (same,) = again.learners
    after = again.call(same, "ListTasks", {"cluster": "c"})["taskArns"]
    assert sorted(after) == sorted(before)
    assert len(after) == 2
