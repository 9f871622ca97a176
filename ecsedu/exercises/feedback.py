"""What ``check`` and ``solution`` return: friendly feedback, shown as HTML in Jupyter.

Feedback is never a traceback. Only when nbgrader grades a notebook (it sets
``NBGRADER_EXECUTION``) does a wrong or missing prediction also raise ``ExerciseFailed``, so the
grader can give the cell zero points; learners working on their own never see an exception.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass

__all__ = ["ExerciseFailed", "Feedback", "Solution", "grading", "report_progress"]


class ExerciseFailed(AssertionError):
    """Raised after the feedback is shown, only while nbgrader grades or validates."""


def grading() -> bool:
    """True while nbgrader executes the notebook (``nbgrader autograde`` or ``validate``)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


@dataclass(frozen=True)
class Feedback:
    """The result of one auto-check: what was expected, what happened, and a hint."""

    exercise: str
    passed: bool
    headline: str
    expected: str = ""
    observed: str = ""
    hint: str = ""
    article: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = "✔" if self.passed else "✘"
        lines = [f"{mark} [{self.exercise}] {self.headline}"]
        if self.expected:
            lines.append(f"  You predicted: {self.expected}")
        if self.observed:
            lines.append(f"  ECS did:       {self.observed}")
        if self.hint:
            lines.append(f"  Hint: {self.hint}")
        if self.article:
            lines.append(f"  In the article: {self.article}")
        if not self.passed:
            lines.append(f'  Stuck? solution("{self.exercise}")')
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b35900"
        mark = "✔" if self.passed else "✘"
        rows = [
            ("You predicted", self.expected),
            ("ECS did", self.observed),
            ("Hint", self.hint),
            ("In the article", self.article),
        ]
        body = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{label}</th>"
            f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
            for label, value in rows
            if value
        )
        more = (
            ""
            if self.passed
            else f'<p>Stuck? Run <code>solution("{html.escape(self.exercise)}")</code>.</p>'
        )
        return (
            f"<div class='ecsedu-feedback' role='status' "
            f"style='border-left:4px solid {colour};padding:0.4em 0.8em'>"
            f"<p><strong style='color:{colour}'>{mark} {html.escape(self.headline)}</strong> "
            f"<small>({html.escape(self.exercise)})</small></p>"
            f"<table>{body}</table>{more}</div>"
        )


@dataclass(frozen=True)
class Solution:
    """A worked answer: the right prediction and why, in the article's words."""

    exercise: str
    answer: str
    why: str

    def __str__(self) -> str:
        return f"Solution [{self.exercise}]: {self.answer}\n  Why: {self.why}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return (
            f"<div class='ecsedu-solution' style='border-left:4px solid #0969da;"
            f"padding:0.4em 0.8em'><p><strong>Solution ({html.escape(self.exercise)}):</strong> "
            f"{html.escape(self.answer)}</p><p>{html.escape(self.why)}</p></div>"
        )


# -- progress reporting to a classroom server (``ecsedu serve``) ----------------------------------
#: The classroom server's own operation (never an ECS one): one exercise checked.
REPORT_TARGET = "Ecsedu.ReportExercise"
REPORT_TIMEOUT = 2.0


def _classroom_endpoint(ecs: object) -> tuple[str, object, str] | None:
    """(endpoint URL, botocore credentials, region) of a boto3 ECS client (or a RemoteEcs,
    which hands boto3's attributes through) talking to an explicit endpoint that is not AWS."""
    meta = getattr(ecs, "meta", None)
    endpoint = getattr(meta, "endpoint_url", None)
    if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
        return None
    if getattr(getattr(meta, "service_model", None), "service_name", None) != "ecs":
        return None
    host = endpoint.split("//", 1)[1].split("/", 1)[0].split(":", 1)[0].lower()
    if host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws")):
        return None  # real AWS knows no such operation: never send it there
    signer = getattr(ecs, "_request_signer", None)
    credentials = getattr(signer, "_credentials", None)
    if credentials is None:
        return None
    return endpoint, credentials, str(getattr(meta, "region_name", None) or "us-east-1")


def report_progress(ecs: object, exercise: str, passed: bool) -> bool:
    """Tell the classroom server (when the workbook runs against one) that ``exercise`` was
    checked and whether it passed: a small request signed with the learner's own keys
    (``X-Amz-Target: Ecsedu.ReportExercise``). The instructor's board shows it.

    Never raises and never waits long: a failure to report never breaks the learner's check.
    Returns whether the server acknowledged it."""
    try:
        found = _classroom_endpoint(ecs)
        if found is None:
            return False
        endpoint, credentials, region = found
        import json
        import urllib.request

        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        body = json.dumps({"exercise": str(exercise), "passed": bool(passed)}).encode()
        request = AWSRequest(
            method="POST",
            url=endpoint.rstrip("/") + "/",
            data=body,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": REPORT_TARGET,
            },
        )
        frozen = credentials.get_frozen_credentials()  # type: ignore[attr-defined]
        SigV4Auth(frozen, "ecs", region).add_auth(request)
        prepared = urllib.request.Request(
            str(request.url), data=body, headers=dict(request.headers.items()), method="POST"
        )
        with urllib.request.urlopen(prepared, timeout=REPORT_TIMEOUT) as reply:  # noqa: S310
            return bool(reply.status == 200)
    except Exception:  # the learner's check matters more than the board
        return False
