"""What ``check`` and ``solution`` return: friendly feedback, shown as HTML in Jupyter.

Feedback is never a traceback. Only when nbgrader grades a notebook (it sets
``NBGRADER_EXECUTION``) does a wrong or missing prediction also raise ``ExerciseFailed``, so the
grader can give the cell zero points; learners working on their own never see an exception.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass

__all__ = ["ExerciseFailed", "Feedback", "Solution", "grading"]


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
