"""The instructor board: every learner at a glance, live, on the instructor's key only.

``GET /board`` (HTTP Basic auth: the instructor's access key id and secret access key) shows
each learner with a thumbnail of their cluster, their counts, their recent errors (the same
error five times in a row marks them **stuck**), a link to their full live diagram with its
event log, and a reset button. The page listens to ``GET /board/events`` (server-sent events):
every change an account makes is pushed as it happens, and the page redraws that learner only,
without a reload. Diagrams are drawn on request (``/board/learner/<id>/diagram.svg``), so a
closed board costs the server nothing.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import html
import json
import time
from typing import Any

import tornado.iostream
import tornado.web

from ecsedu.server.accounts import Account, Classroom

__all__ = ["routes", "summary"]

STUCK_AFTER = 5


def summary(account: Account) -> dict[str, Any]:
    """What the board shows of one learner (JSON-ready)."""
    snap = account.client.snapshot()
    errors = list(account.errors)
    recent = errors[-STUCK_AFTER:]
    stuck = len(recent) == STUCK_AFTER and len({(e["operation"], e["code"]) for e in recent}) == 1
    return {
        "account": account.key.account_id,
        "name": account.key.name,
        "version": account.version,
        "calls": account.calls,
        "clusters": sum(1 for c in snap.clusters if c.status == "ACTIVE"),
        "instances": sum(1 for i in snap.instances if i.status != "INACTIVE"),
        "running": sum(1 for t in snap.tasks if t.last_status == "RUNNING"),
        "pending": sum(1 for t in snap.tasks if t.last_status not in ("RUNNING", "STOPPED")),
        "services": sum(1 for s in snap.services if s.status == "ACTIVE"),
        "errors": [
            {k: e[k] for k in ("operation", "code", "message")} for e in reversed(errors[-5:])
        ],
        "stuck": stuck,
        "frozen": account.frozen,
        "progress": progress(account),
    }


def progress(account: Account) -> dict[str, Any]:
    """The learner's exercises: how many passed, how many tried, and each one's result."""
    items = sorted(account.progress.items(), key=lambda kv: kv[1].get("time", 0.0))
    return {
        "passed": sum(1 for _, e in items if e.get("passed")),
        "tried": len(items),
        "exercises": [
            {
                "id": k,
                "passed": bool(e.get("passed")),
                "last": bool(e.get("last", e.get("passed"))),
                "attempts": int(e.get("attempts", 0)),
            }
            for k, e in items
        ],
    }


class _Instructor(tornado.web.RequestHandler):
    classroom: Classroom

    def initialize(self, classroom: Classroom) -> None:
        self.classroom = classroom

    def prepare(self) -> None:
        if not self._authorized():
            self.set_status(401)
            self.set_header("WWW-Authenticate", 'Basic realm="ecsedu instructor board"')
            self.finish("The instructor board needs the instructor's access key and secret.")

    def _authorized(self) -> bool:
        header = self.request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        account = self.classroom.accounts.get(user)
        return (
            account is not None
            and account.key.role == "instructor"
            and hmac.compare_digest(account.key.secret_access_key, password)
        )

    def learner(self, account_id: str) -> Account:
        account = self.classroom.by_id.get(account_id)
        if account is None or account.key.role != "learner":
            raise tornado.web.HTTPError(404)
        return account


def _diagram(account: Account, cluster: str | None, thumbnail: bool) -> str:
    from ecsedu.render import figures

    snap = account.client.snapshot()
    active = [c for c in snap.clusters if c.status == "ACTIVE"]
    if not active:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60">'
            '<text x="10" y="35" font-family="sans-serif" font-size="14">no cluster yet</text>'
            "</svg>"
        )
    name = cluster or active[0].name
    svg = figures.cluster_view(snap, cluster=name, title=f"{account.key.name}: {name}").svg()
    return account.arns.outbound_text(svg)


class DiagramHandler(_Instructor):
    def get(self, account_id: str) -> None:
        account = self.learner(account_id)
        self.set_header("Content-Type", "image/svg+xml")
        self.set_header("Cache-Control", "no-store")
        self.finish(_diagram(account, self.get_argument("cluster", None), True))


class ResetHandler(_Instructor):
    def post(self, account_id: str) -> None:
        if self.request.headers.get("X-Ecsedu-Board") != "reset":  # no cross-site form posts
            raise tornado.web.HTTPError(403)
        account = self.learner(account_id)
        self.classroom.reset(account)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(summary(account)))


def _json_body(handler: tornado.web.RequestHandler) -> dict[str, Any]:
    try:
        value = json.loads(handler.request.body or b"{}")
    except ValueError:
        raise tornado.web.HTTPError(400, reason="the body must be a JSON object") from None
    if not isinstance(value, dict):
        raise tornado.web.HTTPError(400, reason="the body must be a JSON object")
    return value


class ScenariosHandler(_Instructor):
    def get(self) -> None:
        from ecsedu.server import scenarios

        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps([{"name": k, "description": v[0]} for k, v in scenarios.SCENARIOS.items()])
        )


class BroadcastHandler(_Instructor):
    """``POST /board/broadcast`` ``{"scenario": NAME}``: every learner starts from it."""

    def post(self) -> None:
        if self.request.headers.get("X-Ecsedu-Board") != "broadcast":
            raise tornado.web.HTTPError(403)
        name = _json_body(self).get("scenario")
        try:
            done = self.classroom.broadcast(str(name))
        except KeyError:
            raise tornado.web.HTTPError(400, reason=f"no scenario {name!r}") from None
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"scenario": name, "learners": [summary(a) for a in done]}))


class ClockHandler(_Instructor):
    """``GET /board/clock``: ``{"frozen": bool}``; ``POST`` it to freeze or resume the class."""

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"frozen": self.classroom.frozen}))

    def post(self) -> None:
        if self.request.headers.get("X-Ecsedu-Board") != "clock":
            raise tornado.web.HTTPError(403)
        frozen = _json_body(self).get("frozen")
        if not isinstance(frozen, bool):
            raise tornado.web.HTTPError(400, reason="frozen must be true or false")
        self.classroom.freeze(frozen)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"frozen": self.classroom.frozen}))


class SummaryHandler(_Instructor):
    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps([summary(a) for a in self.classroom.learners]))


class EventsHandler(_Instructor):
    """Server-sent events: one ``learner`` event per change, with the learner's summary."""

    async def get(self) -> None:
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-store")
        queue: asyncio.Queue[Account] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def changed(account: Account) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, account)

        self.classroom.listeners.append(changed)
        try:
            self.write(": ecsedu board\n\n")
            await self.flush()
            while True:
                try:
                    account = await asyncio.wait_for(queue.get(), timeout=15)
                except TimeoutError:
                    self.write(": keep-alive\n\n")
                    await self.flush()
                    continue
                pending = {account.key.account_id: account}
                while not queue.empty():  # coalesce a burst into one update per learner
                    a = queue.get_nowait()
                    pending[a.key.account_id] = a
                for a in pending.values():
                    if a.key.role != "learner":
                        continue
                    self.write(f"event: learner\ndata: {json.dumps(summary(a))}\n\n")
                await self.flush()
        except tornado.iostream.StreamClosedError:
            pass
        finally:
            with contextlib.suppress(ValueError):
                self.classroom.listeners.remove(changed)


class LearnerHandler(_Instructor):
    def get(self, account_id: str) -> None:
        account = self.learner(account_id)
        events = account.client.events()[-40:]
        rows = "".join(
            f"<tr><td>{e.seq}</td><td>{html.escape(e.kind)}</td>"
            f"<td>{html.escape(account.arns.outbound_text(e.message))}</td></tr>"
            for e in reversed(events)
        )
        info = summary(account)
        self.finish(
            LEARNER_PAGE.replace("{{name}}", html.escape(account.key.name))
            .replace("{{id}}", account.key.account_id)
            .replace("{{summary}}", html.escape(json.dumps(info)))
            .replace("{{events}}", rows)
        )


class BoardHandler(_Instructor):
    def get(self) -> None:
        cards = "".join(
            f'<div class="card" id="l-{a.key.account_id}" data-account="{a.key.account_id}">'
            f'<h3><a href="/board/learner/{a.key.account_id}">{html.escape(a.key.name)}</a>'
            f" <small>{a.key.account_id}</small></h3>"
            f'<img class="thumb" src="/board/learner/{a.key.account_id}/diagram.svg?v={a.version}">'
            f'<div class="counts"></div><div class="progress"></div><ul class="errors"></ul>'
            f'<button class="reset" data-account="{a.key.account_id}">reset</button></div>'
            for a in self.classroom.learners
        )
        initial = json.dumps([summary(a) for a in self.classroom.learners])
        from ecsedu.server import scenarios

        options = "".join(
            f'<option value="{html.escape(k)}">{html.escape(k)}: {html.escape(v[0])}</option>'
            for k, v in scenarios.SCENARIOS.items()
        )
        self.finish(
            BOARD_PAGE.replace("{{cards}}", cards)
            .replace("{{scenarios}}", options)
            .replace("{{frozen}}", "true" if self.classroom.frozen else "false")
            .replace("{{initial}}", html.escape(initial))
            .replace("{{time}}", time.strftime("%H:%M:%S"))
        )


_SCRIPT = """
function setFrozen(frozen) {
  const b = document.getElementById('clock');
  if (!b) return;
  b.dataset.frozen = String(frozen);
  b.textContent = frozen ? 'resume the clocks' : 'freeze the clocks';
  document.body.classList.toggle('frozen', frozen);
}
function show(s) {
  const card = document.getElementById('l-' + s.account);
  if (!card) return;
  card.querySelector('.counts').textContent =
    `clusters ${s.clusters} · instances ${s.instances} · services ${s.services} · ` +
    `tasks ${s.running} running, ${s.pending} pending · calls ${s.calls}`;
  card.classList.toggle('stuck', s.stuck);
  const prog = card.querySelector('.progress');
  if (prog && s.progress) {
    prog.textContent = `exercises ${s.progress.passed}/${s.progress.tried} passed` +
      (s.progress.exercises.length ? ': ' + s.progress.exercises.map(
        e => `${e.id} ${e.passed ? '✔' : '✘'}`).join(' ') : '');
  }
  const clock = document.getElementById('clock');
  if (clock && typeof s.frozen === 'boolean') setFrozen(s.frozen);
  const ul = card.querySelector('.errors');
  ul.innerHTML = '';
  for (const e of s.errors) {
    const li = document.createElement('li');
    li.textContent = `${e.operation}: ${e.code}: ${e.message}`;
    ul.appendChild(li);
  }
  const img = card.querySelector('img.thumb');
  if (img && img.dataset.version !== String(s.version)) {
    img.dataset.version = String(s.version);
    img.src = `/board/learner/${s.account}/diagram.svg?v=${s.version}`;
  }
  card.dataset.version = String(s.version);
}
"""

BOARD_PAGE = (
    """<!doctype html><html><head><meta charset="utf-8"><title>ecsedu classroom</title>
<style>
body{font-family:sans-serif;margin:1em;background:#f6f7f9}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}
.card{background:#fff;border:1px solid #ccd;border-radius:6px;padding:8px}
.card.stuck{border:3px solid #d33}
.card.stuck h3::after{content:" stuck";color:#d33}
.thumb{width:100%;height:180px;object-fit:contain;background:#fafafa}
.errors{color:#a22;font-size:12px;padding-left:1.2em}
.counts{font-size:13px}
.progress{font-size:12px;color:#1a5}
body.frozen h1::after{content:" (clocks frozen)";color:#36c;font-size:60%}
.controls{margin:0 0 1em 0}
</style></head><body>
<h1>Classroom <small id="status">connecting…</small></h1>
<div class="controls">
<select id="scenario">{{scenarios}}</select>
<button id="broadcast">broadcast to everyone</button>
<button id="clock" data-frozen="{{frozen}}">freeze the clocks</button>
</div>
<div class="grid">{{cards}}</div>
<script id="initial" type="application/json">{{initial}}</script>
<script>"""
    + _SCRIPT
    + """
const decode = t => { const d = document.createElement('textarea'); d.innerHTML = t;
  return d.value; };
JSON.parse(decode(document.getElementById('initial').textContent)).forEach(show);
const source = new EventSource('/board/events');
source.onopen = () => { document.getElementById('status').textContent = 'live'; };
source.addEventListener('learner', ev => show(JSON.parse(ev.data)));
setFrozen(document.getElementById('clock').dataset.frozen === 'true');
document.getElementById('broadcast').onclick = async () => {
  const name = document.getElementById('scenario').value;
  if (!confirm(`Every learner starts over from "${name}". Go?`)) return;
  const r = await (await fetch('/board/broadcast', {method: 'POST',
    headers: {'X-Ecsedu-Board': 'broadcast'}, body: JSON.stringify({scenario: name})})).json();
  r.learners.forEach(show);
};
document.getElementById('clock').onclick = async () => {
  const frozen = document.getElementById('clock').dataset.frozen !== 'true';
  const r = await (await fetch('/board/clock', {method: 'POST',
    headers: {'X-Ecsedu-Board': 'clock'}, body: JSON.stringify({frozen})})).json();
  setFrozen(r.frozen);
};
for (const b of document.querySelectorAll('button.reset')) {
  b.onclick = async () => {
    if (!confirm('Reset this learner to an empty account?')) return;
    show(await (await fetch(`/board/learner/${b.dataset.account}/reset`,
      {method: 'POST', headers: {'X-Ecsedu-Board': 'reset'}})).json());
  };
}
</script></body></html>"""
)

LEARNER_PAGE = (
    """<!doctype html><html><head><meta charset="utf-8"><title>{{name}}</title>
<style>body{font-family:sans-serif;margin:1em} table{font-size:12px;border-collapse:collapse}
td{border-bottom:1px solid #eee;padding:2px 6px} .errors{color:#a22}</style></head><body>
<p><a href="/board">← all learners</a></p>
<div class="card" id="l-{{id}}"><h1>{{name}} <small>{{id}}</small></h1>
<div class="counts"></div><ul class="errors"></ul>
<img class="thumb" style="max-width:100%" src="/board/learner/{{id}}/diagram.svg"></div>
<h2>Events (newest first)</h2><table>{{events}}</table>
<script id="initial" type="application/json">{{summary}}</script>
<script>"""
    + _SCRIPT
    + """
const decode = t => { const d = document.createElement('textarea'); d.innerHTML = t;
  return d.value; };
show(JSON.parse(decode(document.getElementById('initial').textContent)));
const source = new EventSource('/board/events');
source.addEventListener('learner', ev => show(JSON.parse(ev.data)));
</script></body></html>"""
)


def routes(classroom: Classroom) -> list[Any]:
    opts = {"classroom": classroom}
    return [
        (r"/board/?", BoardHandler, opts),
        (r"/board/events", EventsHandler, opts),
        (r"/board/summary", SummaryHandler, opts),
        (r"/board/learner/(\d{12})/?", LearnerHandler, opts),
        (r"/board/learner/(\d{12})/diagram\.svg", DiagramHandler, opts),
        (r"/board/learner/(\d{12})/reset", ResetHandler, opts),
        (r"/board/scenarios", ScenariosHandler, opts),
        (r"/board/broadcast", BroadcastHandler, opts),
        (r"/board/clock", ClockHandler, opts),
    ]
