"""docs/rules.md is the project's own rulebook: every rule id the code and the tests cite is
defined there, so a newcomer can look up any id they meet in a test name or a comment."""

from __future__ import annotations

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
RULEBOOK = BASE_DIR / "docs" / "rules.md"
SOURCES = ("taxpro", "taxpayers", "caf", "authorizations", "templates", "tests")

# A rule as the rulebook defines it: "- **R24 [TPA]** ..."
DEFINED = re.compile(r"^- \*\*(R\d{1,2}[a-z]?) \[(?:TPA|FORM|OURS)\]\*\*", re.MULTILINE)
# A rule cited in a comment or text ("R24", "R3a") or in a test name ("test_r24_...").
CITED = re.compile(r"\bR(\d{1,2}[a-z]?)\b|\btest_r(\d{1,2}[a-z]?)_")


def defined_ids() -> list[str]:
    return DEFINED.findall(RULEBOOK.read_text(encoding="utf-8"))


def cited_ids() -> dict[str, str]:
    """Each id cited anywhere in the sources, with one place that cites it."""
    cited: dict[str, str] = {}
    for folder in SOURCES:
        for path in sorted((BASE_DIR / folder).rglob("*")):
            if path.suffix not in {".py", ".html", ".txt"} or "migrations" in path.parts:
                continue
            for match in CITED.finditer(path.read_text(encoding="utf-8")):
                rule = f"R{match.group(1) or match.group(2)}"
                cited.setdefault(rule, str(path.relative_to(BASE_DIR)))
    return cited


def test_the_rulebook_defines_each_rule_once_in_order() -> None:
    ids = defined_ids()
    assert len(ids) == len(set(ids))
    numbers = [int(re.sub(r"\D", "", rule)) for rule in ids]
    assert numbers == sorted(numbers)
    assert {f"R{n}" for n in range(1, 48)} <= set(ids)
    assert {"R3a", "R13a", "R34a", "R34b", "R39a", "R39b"} <= set(ids)


def test_every_rule_id_the_code_and_tests_cite_is_in_the_rulebook() -> None:
    undefined = {rule: where for rule, where in cited_ids().items() if rule not in defined_ids()}
    assert not undefined, f"cited but not in docs/rules.md: {undefined}"


def test_the_citation_pattern_reads_comments_and_test_names() -> None:
    text = "# R24: same-day approvals coexist.\ndef test_r3a_good_standing_at_approval(): ..."
    found = {f"R{m.group(1) or m.group(2)}" for m in CITED.finditer(text)}
    assert found == {"R24", "R3a"}
