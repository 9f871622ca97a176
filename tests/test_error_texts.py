"""Every error text ecsedu marks ``# our wording`` is listed as such in docs/error-texts.md.

README promises ECS's exact words only for the texts docs/error-texts.md lists as verified. A
text whose real wording is unknown carries the comment ``# our wording`` where it is written
(on its line, on the line of the call or statement that holds it, or alone on the line just
before). This test finds every such text in ``ecsedu/`` and fails if one is missing from the
table under "## Our wording" in docs/error-texts.md, so that nothing invented can pass for
ECS's text without the docs saying so.

Placeholders are compared loosely: ``{name}``, ``{value!r}`` and an f-string's ``{svc.name}``
all count as ``{}``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ecsedu"
DOC = ROOT / "docs" / "error-texts.md"
MARK = re.compile(r"#.*\bour wording\b", re.IGNORECASE)
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
UNVERIFIED_HEADING = "## Our wording"


@dataclass(frozen=True)
class Marked:
    """A text marked ``# our wording``: where it is, and the text (placeholders as ``{...}``)."""

    path: str
    line: int
    text: str


def normalise(text: str) -> str:
    """Placeholders as ``{}``, whitespace collapsed, markdown's escaped pipes unescaped."""
    text = text.replace("\\|", "|")
    return " ".join(PLACEHOLDER.sub("{}", text).split())


def _string_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append("{" + ast.unparse(value.value) + "}")  # type: ignore[attr-defined]
        return "".join(parts)
    return None


def _texts_in(node: ast.AST) -> list[str]:
    """String literals under ``node`` that read as messages (codes and keys have no spaces)."""
    found: list[str] = []
    for child in ast.walk(node):
        if isinstance(child, ast.JoinedStr):
            text = _string_text(child)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str):
            text = child.value
        else:
            continue
        if text is not None and " " in text.strip() and text not in found:
            found.append(text)
    # a JoinedStr's literal pieces are Constants too: keep the whole f-string only
    return [t for t in found if not any(t != other and t in other for other in found)]


def _strings(tree: ast.AST) -> list[tuple[str, int, int]]:
    """Every string literal (f-strings whole) with its first and last line."""
    parts = {
        id(value)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for value in node.values
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in parts:
            continue
        text = _string_text(node)
        if text is not None:
            found.append((text, node.lineno, node.end_lineno or node.lineno))  # type: ignore[attr-defined]
    return found


def _holders(tree: ast.AST) -> list[ast.AST]:
    """Nodes that can hold a marked text: statements and calls, smallest first."""
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.stmt | ast.Call)]
    nodes = [n for n in nodes if not isinstance(n, ast.FunctionDef | ast.ClassDef | ast.If)]
    return sorted(nodes, key=lambda n: (n.end_lineno or n.lineno) - n.lineno)


def marked_texts(path: Path, root: Path = ROOT) -> Iterator[Marked | tuple[str, int]]:
    """The marked texts of one file; ``(path, line)`` for a mark with no text to attach to."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    holders = _holders(tree)
    strings = _strings(tree)
    lines = source.splitlines()
    rel = str(path.relative_to(root))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT or not MARK.search(token.string):
            continue
        line = token.start[0]
        if not lines[line - 1][: token.start[1]].strip():  # a comment alone: the next code line
            line += 1
            while line <= len(lines) and (
                not lines[line - 1].strip() or lines[line - 1].strip().startswith("#")
            ):
                line += 1
        on_line = [text for text, first, last in strings if first <= line <= last and text]
        # a text written on the marked line itself (a message, else any literal: "OK", a URL)
        texts = [text for text in on_line if " " in text.strip()] or on_line
        for node in [] if texts else holders:
            if node.lineno <= line <= (node.end_lineno or node.lineno):
                texts = _texts_in(node)
                if texts:
                    break
        if not texts:
            yield (rel, token.start[0])
        for text in texts:
            yield Marked(rel, token.start[0], text)


def all_marked() -> tuple[list[Marked], list[tuple[str, int]]]:
    texts: list[Marked] = []
    orphans: list[tuple[str, int]] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for item in marked_texts(path):
            if isinstance(item, Marked):
                texts.append(item)
            else:
                orphans.append(item)
    return texts, orphans


def documented_unverified(doc: str) -> set[str]:
    """The texts in backticks in the first column of the tables under "## Our wording"."""
    start = doc.find(UNVERIFIED_HEADING)
    if start < 0:
        return set()
    end = doc.find("\n## ", start + len(UNVERIFIED_HEADING))
    section = doc[start : end if end > 0 else len(doc)]
    found = set()
    for row in section.splitlines():
        match = re.match(r"^\|\s*`(.+?)`\s*\|", row)
        if match:
            found.add(normalise(match.group(1)))
    return found


def documented_verified(doc: str) -> set[str]:
    """The texts in backticks in the first column of every table before "## Our wording"."""
    end = doc.find(UNVERIFIED_HEADING)
    found = set()
    for row in doc[: end if end > 0 else len(doc)].splitlines():
        match = re.match(r"^\|\s*`(.+?)`\s*\|", row)
        if match:
            found.add(normalise(match.group(1)))
    return found


# -- the extractor itself --------------------------------------------------------------------
def test_the_extractor_finds_every_form_of_mark(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(op, x):\n"
        '    A = "Same line text."  # our wording\n'
        "    B = (  # our wording\n"
        '        "Opening line " \n'
        '        "text."\n'
        "    )\n"
        "    raise err(\n"
        '        "SomeCode",\n'
        "        # our wording\n"
        '        f"Comment alone {x.name} text.",\n'
        "        op,\n"
        "    )\n"
        "    raise err(\n"
        '        "SomeCode", "Closing line text.", op\n'
        "    )  # Our wording (by analogy)\n"
        '    C = "Not marked text."\n'
        "    E = {\n"
        '        "a": "Dict value text.",  # our wording\n'
        '        "b": "Other value text.",\n'
        "    }\n"
        "    # our wording\n"
        "    D = 3\n",
        encoding="utf-8",
    )
    items = list(marked_texts(sample, root=tmp_path))
    texts = [i.text for i in items if isinstance(i, Marked)]
    assert texts == [
        "Same line text.",
        "Opening line text.",
        "Comment alone {x.name} text.",
        "Closing line text.",
        "Dict value text.",
    ]
    assert [i for i in items if not isinstance(i, Marked)] == [("sample.py", 21)]


def test_normalise_treats_placeholders_alike() -> None:
    assert normalise("Container '{name}' x") == normalise("Container '{c.name!r}'  x")
    assert normalise(r"a \| b") == "a | b"


# -- the rule --------------------------------------------------------------------------------
def test_every_marked_text_is_listed_as_our_wording() -> None:
    texts, orphans = all_marked()
    assert texts, "no text marked '# our wording' found: the extractor is broken"
    assert not orphans, (
        "these '# our wording' marks have no string literal to attach to (put the mark on "
        "the line of the text, or of the call or statement that holds it): "
        + ", ".join(f"{p}:{n}" for p, n in orphans)
    )
    listed = documented_unverified(DOC.read_text(encoding="utf-8"))
    missing = sorted(
        {normalise(t.text): t for t in texts if normalise(t.text) not in listed}.values(),
        key=lambda t: (t.path, t.line),
    )
    if missing:
        rows = "\n".join(
            f"| `{t.text.replace('|', chr(92) + '|')}` | {t.path.removeprefix('ecsedu/')} |"
            f"  <- {t.path}:{t.line}"
            for t in missing
        )
        pytest.fail(
            f"add these texts to docs/error-texts.md, section {UNVERIFIED_HEADING!r}:\n{rows}",
            pytrace=False,
        )


def test_no_text_is_both_verified_and_our_wording() -> None:
    doc = DOC.read_text(encoding="utf-8")
    both = documented_verified(doc) & documented_unverified(doc)
    assert not both, f"listed as verified and as our wording in docs/error-texts.md: {both}"


def test_verified_texts_cite_a_source() -> None:
    doc = DOC.read_text(encoding="utf-8")
    end = doc.find(UNVERIFIED_HEADING)
    unsourced = [
        row
        for row in doc[:end].splitlines()
        if re.match(r"^\|\s*`", row) and not re.search(r"https?://|ecs-semantics\.md|\[bc\]", row)
    ]
    assert not unsourced, "verified texts without a source:\n" + "\n".join(unsourced)
