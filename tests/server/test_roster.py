"""Rosters, the key sheet, and safe defaults of `ecsedu serve`."""

from __future__ import annotations

import json
import stat

import pytest

from ecsedu.server import Classroom, read_roster
from tests.server.conftest import start_server


def test_roster_names_and_csv(tmp_path):
    plain = tmp_path / "names.txt"
    plain.write_text("# workshop 3\nAda\nGrace\n\n")
    keys = read_roster(plain)
    assert [k.name for k in keys] == ["Ada", "Grace"]
    assert all(len(k.account_id) == 12 and k.account_id.isdigit() for k in keys)
    assert all(k.access_key_id.startswith("AKIA") and len(k.access_key_id) == 20 for k in keys)
    assert all(len(k.secret_access_key) == 40 for k in keys)
    assert len({k.account_id for k in keys}) == 2
    csv = tmp_path / "roster.csv"
    csv.write_text("name,account_id\nAda,111111111111\nGrace,\n")
    keys = read_roster(csv)
    assert keys[0].account_id == "111111111111"
    assert keys[1].account_id != "111111111111"
    csv.write_text("name,account_id\nAda,12\n")
    with pytest.raises(ValueError, match="12 digits"):
        read_roster(csv)
    plain.write_text("Ada\nAda\n")
    with pytest.raises(ValueError, match="different name"):
        read_roster(plain)


def test_keys_persist_and_stay_private(tmp_path):
    room = Classroom.open(tmp_path, learners=2)
    first = {a.key.name: a.key for a in room.by_id.values()}
    room.close()
    assert stat.S_IMODE((tmp_path / "accounts.json").stat().st_mode) == 0o600
    again = Classroom.open(tmp_path, learners=3)  # one more learner, the others unchanged
    keys = {a.key.name: a.key for a in again.by_id.values()}
    assert {n: keys[n] for n in first} == first
    assert len(again.learners) == 3
    sheet = again.sheet("http://127.0.0.1:4566")
    assert all(k.secret_access_key in sheet for k in keys.values())
    assert "AWS_ENDPOINT_URL_ECS=http://127.0.0.1:4566" in sheet
    again.close()


def test_serve_binds_loopback_and_prints_the_sheet(tmp_path):
    served = start_server(tmp_path, "--learners", "2")
    try:
        assert served.url.startswith("http://127.0.0.1:")
        out = "".join(served.output)
        keys = json.loads((tmp_path / "accounts.json").read_text())["accounts"]
        assert all(k["access_key_id"] in out for k in keys)
    finally:
        served.stop()
