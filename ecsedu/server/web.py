"""The HTTP side (Tornado): ECS's JSON 1.1 protocol on ``POST /``, SigV4 on every request.

``make_app(classroom)`` returns the Tornado application; ``Server`` runs one on a port (in this
thread or a background one). Every reply carries ``x-amzn-RequestId``; errors carry ``__type``,
``message`` and ``x-amzn-ErrorType``, so boto3, the AWS CLI and other SDKs read them as AWS's.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import threading
from typing import Any

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web

from ecsedu.errors import service_model
from ecsedu.server import sigv4, wire
from ecsedu.server.accounts import Classroom
from ecsedu.server.protocol import (
    CONTENT_TYPE,
    AwsError,
    decode_body,
    encode_output,
    error_reply,
    new_request_id,
    operation_of,
)

__all__ = ["MAX_BODY", "Server", "make_app"]

log = logging.getLogger("ecsedu.server")

#: Largest request body answered (bytes); ECS's biggest input, a task definition, is far smaller.
MAX_BODY = 1024 * 1024
#: Beyond this the connection is refused outright by Tornado (no body is read).
HARD_MAX_BODY = 8 * MAX_BODY


class EcsHandler(tornado.web.RequestHandler):
    """``POST /``: one ECS API call."""

    classroom: Classroom

    def initialize(self, classroom: Classroom, max_body: int) -> None:
        self.classroom = classroom
        self.max_body = max_body
        self.request_id = new_request_id()
        stream = getattr(self.request.connection, "stream", None)
        if stream is not None:
            stream.set_nodelay(True)

    def set_default_headers(self) -> None:
        self.clear_header("Server")

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.set_status(status)
        for name, value in headers.items():
            self.set_header(name, value)
        self.finish(body)

    def _error(
        self,
        error: AwsError,
        arns: Any = None,
        service: wire.Service = wire.ECS,
        query: bool = False,
    ) -> None:
        if query:
            status, body = wire.query_error(service, error, self.request_id)
            headers = {"Content-Type": "text/xml", "x-amzn-RequestId": self.request_id}
        else:
            reply = error_reply(error, self.request_id)
            status, body, headers = reply.status, reply.body, reply.headers
            if service is not wire.ECS:
                if not error.type_prefix:
                    data = json.loads(body)
                    data["__type"] = wire.json_type(service, error.code)
                    body = json.dumps(data).encode("utf-8")
                headers.update(wire.json_error_headers(service, error, service.content_type))
        if arns is not None:
            body = arns.outbound(body)
        self._send(status, body, headers)

    def post(self) -> None:
        account = None
        service, query = wire.ECS, False
        try:
            service, query = wire.route(self.request.headers)
            body = self.request.body
            if len(body) > self.max_body:
                raise AwsError(
                    "RequestEntityTooLargeException",
                    f"Request body must be at most {self.max_body} bytes.",
                )
            key = sigv4.verify(
                "POST",
                self.request.uri or "/",
                self.request.headers,
                body,
                self.classroom.secret_of,
                expected_service=service.scope,
            )
            account = self.classroom.accounts[key]
            if query:
                self._query(account, service, body)
                return
            target = self.request.headers.get("X-Amz-Target") or ""
            if target.startswith(ECSEDU_PREFIX):
                out = ecsedu_call(self.classroom, account, target, body)
                content_type = CONTENT_TYPE
            elif service is wire.ECS:
                operation = operation_of(target)
                params = decode_body(account.arns.inbound(body))
                result = self.classroom.call(account, operation, params)
                out = account.arns.outbound(encode_output(result))
                content_type = CONTENT_TYPE
            else:
                operation = target.partition(".")[2]
                if not operation:
                    raise AwsError(
                        "UnknownOperationException", None, type_prefix="com.amazon.coral.service#"
                    )
                params = decode_body(account.arns.inbound(body))
                model = service_model(service.botocore)
                if operation in model.operation_names:
                    shape = model.operation_model(operation).input_shape
                    params = wire.json_input(shape, params)
                result = self.classroom.call(account, operation, params, service)
                out = account.arns.outbound(encode_output(result))
                content_type = service.content_type
        except AwsError as error:
            self._error(error, None if account is None else account.arns, service, query)
            return
        except Exception:  # never a traceback on the wire, never a dead server
            log.exception("ecsedu serve: internal error")
            self._error(
                AwsError("ServerException", "An internal error occurred."), None, service, query
            )
            return
        self._send(200, out, {"Content-Type": content_type, "x-amzn-RequestId": self.request_id})

    def _query(self, account: Any, service: wire.Service, body: bytes) -> None:
        """One query-protocol call (form in, XML out)."""
        form = wire.query_form(body)
        action = form.pop("Action", None)
        form.pop("Version", None)
        model = service_model(service.botocore)
        if not action:
            raise AwsError("MissingAction", "Could not find operation to perform.")  # our wording
        if action not in model.operation_names:
            raise AwsError(
                "InvalidAction", f"The action {action} is not valid for this web service."
            )
        form = {k: account.arns.inbound_text(v) for k, v in form.items()}
        params = wire.query_input(model.operation_model(action).input_shape, form)
        result = self.classroom.call(account, action, params, service)
        out = wire.query_output(service, action, result, self.request_id)
        self._send(
            200,
            account.arns.outbound(out),
            {"Content-Type": "text/xml", "x-amzn-RequestId": self.request_id},
        )

    def get(self) -> None:
        self._error(AwsError("MissingAuthenticationTokenException", "Missing Authentication Token"))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        code = "SerializationException" if status_code < 500 else "ServerException"
        reply = error_reply(AwsError(code, self._reason, status_code), self.request_id)
        for name, value in reply.headers.items():
            self.set_header(name, value)
        self.finish(reply.body)


ECSEDU_PREFIX = "Ecsedu."
#: At most this many different exercises are remembered per learner.
MAX_EXERCISES = 500


def ecsedu_call(classroom: Classroom, account: Any, target: str, body: bytes) -> bytes:
    """The server's own operations (``X-Amz-Target: Ecsedu.<Operation>``), never ECS's.

    ``Ecsedu.ReportExercise`` ``{"exercise": id, "passed": bool}``: the workbook checked an
    exercise (``ecsedu.exercises.check`` sends it with the learner's own keys).
    """
    operation = target[len(ECSEDU_PREFIX) :]
    if operation != "ReportExercise":
        raise AwsError("UnknownOperationException", None, type_prefix="com.amazon.coral.service#")
    params = decode_body(body)
    exercise, passed = params.get("exercise"), params.get("passed")
    if not (isinstance(exercise, str) and 0 < len(exercise) <= 100) or not isinstance(passed, bool):
        raise AwsError(
            "ValidationException",
            "ReportExercise takes exercise (a string of 1 to 100 characters) and passed (a "
            "boolean).",
        )
    if exercise not in account.progress and len(account.progress) >= MAX_EXERCISES:
        raise AwsError("LimitExceededException", "Too many different exercises reported.")
    entry = classroom.report_exercise(account, exercise, passed)
    return json.dumps({"exercise": exercise, **entry}).encode("utf-8")


class HealthHandler(tornado.web.RequestHandler):
    """``GET /_ecsedu/health``: is it up, and how many accounts (no secrets)."""

    def initialize(self, classroom: Classroom) -> None:
        self.classroom = classroom

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                {
                    "status": "ok",
                    "accounts": len(self.classroom.by_id),
                    "problems": len(self.classroom.problems),
                }
            )
        )


def make_app(classroom: Classroom, *, max_body: int = MAX_BODY) -> tornado.web.Application:
    routes: list[Any] = [
        (r"/_ecsedu/health", HealthHandler, {"classroom": classroom}),
    ]
    try:
        board = importlib.import_module("ecsedu.server.board")
        routes += board.routes(classroom)
    except ImportError:  # the board is optional
        pass
    routes.append((r"/.*", EcsHandler, {"classroom": classroom, "max_body": max_body}))
    return tornado.web.Application(routes, compress_response=False, log_function=_quiet)


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """Access log: server errors only (learners' 4xx are theirs, and the board shows them)."""
    if handler.get_status() >= 500:
        log.warning("%d %s", handler.get_status(), handler._request_summary())


class Server:
    """A running endpoint: ``Server(classroom, port=0).start()`` in a background thread, or
    ``run()`` in this one. ``port=0`` picks a free port (see ``.port``)."""

    def __init__(
        self,
        classroom: Classroom,
        *,
        host: str = "127.0.0.1",
        port: int = 4566,
        max_body: int = MAX_BODY,
    ) -> None:
        self.classroom = classroom
        self.host = host
        self.port = port
        self.max_body = max_body
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _serve(self) -> None:
        app = make_app(self.classroom, max_body=self.max_body)
        server = tornado.httpserver.HTTPServer(
            app, max_body_size=max(HARD_MAX_BODY, self.max_body), idle_connection_timeout=60
        )
        sockets = tornado.netutil.bind_sockets(self.port, self.host)
        self.port = sockets[0].getsockname()[1]
        server.add_sockets(sockets)
        checkpoints = tornado.ioloop.PeriodicCallback(self.classroom.checkpoint_idle, 2000)
        checkpoints.start()
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        self._ready.set()
        await self._stopped.wait()
        checkpoints.stop()
        server.stop()
        await server.close_all_connections()

    def run(self) -> None:
        asyncio.run(self._serve())

    def start(self) -> Server:
        self._thread = threading.Thread(target=self.run, name="ecsedu-serve", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the classroom server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(5)
