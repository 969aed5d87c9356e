"""Rule ids (R12, R3a...) are for developers: test names and code comments, never what users read.

Every template under templates/ and each app's templates/ is scanned with its comments taken out
({# #}, {% comment %} blocks and <!-- -->); what is left is what can reach a page, a letter or an
e-mail, and no rule id may be in it. The apps' Python string literals (messages, labels, help
texts, letters), docstrings aside, are scanned the same way.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
RULE_ID = re.compile(r"\bR\d{1,2}[a-z]?\b")

_COMMENTS = re.compile(
    r"\{#.*?#\}"  # {# one-line template comment #}
    r"|\{%-?\s*comment\b.*?%\}.*?\{%-?\s*endcomment\s*-?%\}"  # {% comment %} ... {% endcomment %}
    r"|<!--.*?-->",  # <!-- HTML comment -->
    re.DOTALL,
)


def template_folders() -> list[Path]:
    """templates/, and every templates/ folder inside an app (a top-level Python package)."""
    apps = [path.parent for path in BASE_DIR.glob("*/__init__.py")]
    return [BASE_DIR / "templates", *sorted(t for app in apps for t in app.rglob("templates"))]


def template_files() -> list[Path]:
    return sorted(
        path
        for folder in template_folders()
        for path in folder.rglob("*")
        if path.is_file() and path.suffix in {".html", ".txt", ".xml"}
    )


def without_comments(source: str) -> str:
    """The template with its comments blanked; newlines kept so line numbers still point right."""
    return _COMMENTS.sub(lambda match: "\n" * match.group().count("\n"), source)


def rule_ids_users_can_read(source: str) -> list[tuple[int, str]]:
    """(line number, line) of each line outside comments that holds a rule id."""
    return [
        (number, line.strip())
        for number, line in enumerate(without_comments(source).splitlines(), start=1)
        if RULE_ID.search(line)
    ]


def test_the_scan_reads_the_templates_of_every_app() -> None:
    scanned = {path.relative_to(BASE_DIR).parts[0] for path in template_files()}
    assert {"templates", "taxpayers", "caf", "authorizations"} <= scanned
    assert BASE_DIR / "templates" / "base.html" in template_files()


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("<p>Refused (R2).</p>", [1]),
        ("<p>{% if x %}\nR3a applies{% endif %}</p>", [2]),
        ('{% include "x.html" with text="See R25" %}', [1]),
        ("{# R24: same-day approvals coexist. #}<p>Approved.</p>", []),
        ("{% comment %}\nR31: what approving ends.\n{% endcomment %}\n<p>R31</p>", [4]),
        ("<!-- R9\n --><p>Write to the CAF unit.</p>", []),
        # Not rule ids: a form number, a unit designator, a company, a long number.
        ("<p>Form 2848, RM 4, REAR, R&amp;D, R100</p>", []),
    ],
)
def test_the_scan_sees_rule_ids_in_text_and_not_in_comments(source: str, lines: list[int]) -> None:
    assert [number for number, _ in rule_ids_users_can_read(source)] == lines


def test_no_rule_id_in_any_template_outside_comments() -> None:
    hits = [
        f"{path.relative_to(BASE_DIR)}:{number}: {line}"
        for path in template_files()
        for number, line in rule_ids_users_can_read(path.read_text(encoding="utf-8"))
    ]
    assert not hits, "Rule ids that users would read:\n" + "\n".join(hits)


APPS = ("taxpro", "taxpayers", "caf", "authorizations")


def _docstrings(tree: ast.AST) -> set[int]:
    """The string constants that are docstrings (developers' text), by node id."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def rule_ids_in_strings(source: str) -> list[tuple[int, str]]:
    """Rule ids in the string literals of Python ``source`` that are not docstrings: messages,
    labels, help texts, letters. Comments are not strings, so they are never seen."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and RULE_ID.search(node.value)
    ]


def test_the_string_scan_sees_messages_and_not_docstrings_or_comments() -> None:
    source = '"""R12 in a docstring."""\n# R3 in a comment\nMESSAGE = "Refused (R12)."\n'
    assert rule_ids_in_strings(source) == [(3, "Refused (R12).")]


def test_no_rule_id_in_any_message_label_or_help_text_of_the_apps() -> None:
    hits = [
        f"{path.relative_to(BASE_DIR)}:{line}: {text!r}"
        for app in APPS
        for path in sorted((BASE_DIR / app).rglob("*.py"))
        if "migrations" not in path.parts
        for line, text in rule_ids_in_strings(path.read_text(encoding="utf-8"))
    ]
    assert not hits, "Rule ids in strings users may read:\n" + "\n".join(hits)
