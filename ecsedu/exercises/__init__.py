"""Predict → act → observe exercises, checked against ECS's real state.

In a notebook::

    from ecsedu.exercises import check, solution

    answer = 4                            # 1. predict: write your prediction
    ecs.update_container_instances_state(...)   # 2. act
    check(ecs, "04-drain", answer)        # 3. observe: compares with what ECS did

``check`` reads the state through the public, boto3-shaped client only, and returns a
``Feedback`` (HTML in Jupyter, plain text elsewhere): what you predicted, what ECS did, and a
hint pointing back to the article. It never raises for a learner; only under nbgrader
(``NBGRADER_EXECUTION`` set) does a wrong answer also raise ``ExerciseFailed`` so the grade cell
scores zero. ``solution("04-drain")`` shows the answer and why.
"""

from __future__ import annotations

from typing import Any

from ecsedu.exercises.catalogue import EXERCISES, Exercise, Observation
from ecsedu.exercises.feedback import (
    ExerciseFailed,
    Feedback,
    Solution,
    grading,
    report_progress,
)

__all__ = [
    "EXERCISES",
    "Exercise",
    "ExerciseFailed",
    "Feedback",
    "Observation",
    "Solution",
    "check",
    "exercises",
    "question",
    "solution",
]


def exercises(notebook: str | None = None) -> list[str]:
    """The exercise ids, in workbook order (optionally of one notebook, e.g. ``"04"``)."""
    return [
        key for key, e in EXERCISES.items() if notebook is None or e.notebook.startswith(notebook)
    ]


def _unknown(exercise: str) -> str:
    return f"There is no exercise {exercise!r}. The exercises are: {', '.join(EXERCISES)}."


def question(exercise: str) -> str:
    """The question to predict, as the notebook asks it."""
    found = EXERCISES.get(exercise)
    return found.question if found else _unknown(exercise)


def solution(exercise: str) -> Solution:
    """The answer, with why, in the article's words."""
    found = EXERCISES.get(exercise)
    if found is None:
        return Solution(exercise, "unknown exercise", _unknown(exercise))
    return Solution(exercise, found.solution, found.why)


def _normalise(value: Any, kind: type) -> Any:
    if kind is int:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise ValueError
    if isinstance(value, str):
        return value.strip().strip("'\"").replace(" ", "").lower()
    raise ValueError


def _finish(feedback: Feedback, ecs: Any = None) -> Feedback:
    if ecs is not None:  # against a classroom server, the instructor's board shows progress
        report_progress(ecs, feedback.exercise, feedback.passed)
    if grading() and not feedback.passed:
        print(feedback)
        raise ExerciseFailed(str(feedback))
    return feedback


def check(ecs: Any, exercise: str, answer: Any, **context: Any) -> Feedback:
    """Compare ``answer`` (your prediction) with ECS's real state after you acted.

    Args:
        ecs: the client from ``ecsedu.connect()``.
        exercise: the exercise id, e.g. ``"04-drain"`` (see ``exercises()``).
        answer: your prediction (a number or a word, as the question asks).
        context: overrides of the names the notebook uses (``cluster="demo"``, ...), or
            values the check needs (``response=`` for ``06-constrained``).
    """
    found = EXERCISES.get(exercise)
    if found is None:
        return _finish(Feedback(exercise, False, _unknown(exercise)), None)
    ctx = {**dict(found.defaults), **context}
    kind_name = "a whole number" if found.kind is int else "a word (in quotes)"
    if answer is None or answer is Ellipsis:
        return _finish(
            Feedback(
                exercise,
                False,
                f"Write your prediction first: set answer to {kind_name}.",
                hint=found.question,
            ),
            ecs,
        )
    try:
        predicted = _normalise(answer, found.kind)
    except ValueError:
        return _finish(
            Feedback(
                exercise,
                False,
                f"Your prediction {answer!r} is not {kind_name}.",
                hint=found.question,
            ),
            ecs,
        )
    try:
        seen = found.observe(ecs, ctx)
    except Exception as error:  # a check must explain, never show a traceback
        message = getattr(error, "response", {}).get("Error", {}).get("Message") or str(error)
        return _finish(
            Feedback(
                exercise,
                False,
                "ECS's state could not be read for this check.",
                observed=f"{type(error).__name__}: {message}",
                hint="Run the notebook's cells from the top (or the 'start over' cell), then "
                "the act cell, then this check again.",
            ),
            ecs,
        )
    if not seen.ready:
        return _finish(
            Feedback(exercise, False, "Not yet: act first.", str(answer), seen.text, found.hint),
            ecs,
        )
    actual = _normalise(seen.value, found.kind) if seen.value is not None else None
    if actual == predicted:
        return _finish(
            Feedback(exercise, True, "Right! Your prediction matches ECS.", str(answer), seen.text),
            ecs,
        )
    hint = dict(found.misconceptions).get(predicted, found.hint)
    return _finish(
        Feedback(
            exercise,
            False,
            f"Not quite: you predicted {answer!r}, ECS's state says {seen.value!r}.",
            str(answer),
            seen.text,
            hint,
            found.article,
        ),
        ecs,
    )
