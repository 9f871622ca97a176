"""The instructor board in a real browser (Playwright, Debian's chromium): two learners act
through boto3, and the board shows both changes live, without a reload."""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest

pytestmark = pytest.mark.browser

INSTANCE = [
    {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
    {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096},
]


def _basic(person) -> str:
    token = f"{person.access_key_id}:{person.secret_access_key}".encode()
    return "Basic " + base64.b64encode(token).decode()


def _get(url, auth=None):
    req = urllib.request.Request(url, headers={"Authorization": auth} if auth else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_board_needs_the_instructor_key(server):
    assert _get(server.url + "/board")[0] == 401
    assert _get(server.url + "/board", _basic(server.learners[0]))[0] == 401
    status, body = _get(server.url + "/board/summary", _basic(server.instructor))
    assert status == 200
    assert {s["name"] for s in json.loads(body)} == {lr.name for lr in server.learners}


def test_board_is_live_in_the_browser(server, browser_page):
    page = browser_page
    page.set_extra_http_headers({"Authorization": _basic(server.instructor)})
    page.goto(server.url + "/board")
    page.wait_for_selector("#status:text('live')", timeout=15000)
    a, b = server.learners[0], server.learners[1]
    card_a, card_b = f"#l-{a.account_id}", f"#l-{b.account_id}"
    page.evaluate("window.__marker = 'no reload'")
    ecs_a, ecs_b = server.ecs(0), server.ecs(1)
    ecs_a.create_cluster(clusterName="board-a")
    ecs_a.register_container_instance(cluster="board-a", totalResources=INSTANCE)
    ecs_b.create_cluster(clusterName="board-b")
    for _ in range(5):  # the same mistake five times: stuck
        with pytest.raises(ecs_b.exceptions.ClusterNotFoundException):
            ecs_b.run_task(cluster="nope", taskDefinition="x")
    ecs_b.register_container_instance(cluster="board-b", totalResources=INSTANCE)
    page.wait_for_function(
        f"document.querySelector('{card_a} .counts').textContent.includes('instances 1')",
        timeout=15000,
    )
    page.wait_for_function(
        f"document.querySelector('{card_b} .counts').textContent.includes('instances 1')",
        timeout=15000,
    )
    assert "ClusterNotFoundException" in page.inner_text(f"{card_b} .errors")
    assert "stuck" in page.get_attribute(card_b, "class")
    assert page.evaluate("window.__marker") == "no reload"
    # the thumbnail is the learner's own diagram, with the learner's own account in its ARNs
    thumb = page.get_attribute(f"{card_a} img.thumb", "src")
    status, svg = _get(server.url + thumb, _basic(server.instructor))
    assert status == 200
    assert b"<svg" in svg
    assert a.account_id.encode() in svg or b"board-a" in svg
    # click through to a learner's own page
    page.click(f"{card_a} h3 a")
    page.wait_for_selector("text=Events (newest first)")
    assert "board-a" in page.content() or a.account_id in page.content()


def test_reset_a_learner(server):
    learner = server.learners[2]
    ecs = server.ecs(2)
    ecs.create_cluster(clusterName="to-be-reset")
    url = f"{server.url}/board/learner/{learner.account_id}/reset"
    plain = urllib.request.Request(
        url, method="POST", data=b"", headers={"Authorization": _basic(server.instructor)}
    )
    with pytest.raises(urllib.error.HTTPError) as err:  # a cross-site form cannot do it
        urllib.request.urlopen(plain, timeout=10)
    assert err.value.code == 403
    assert ecs.list_clusters()["clusterArns"]
    req = urllib.request.Request(
        url,
        method="POST",
        data=b"",
        headers={"Authorization": _basic(server.instructor), "X-Ecsedu-Board": "reset"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert json.loads(resp.read())["clusters"] == 0
    assert ecs.list_clusters()["clusterArns"] == []
