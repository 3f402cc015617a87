"""Calls Python deprecates (3.12 warns on them; this 3.11 does not, so a warning filter cannot
catch them here): naive UTC "now" must come from ``datetime.now(UTC)``."""

from __future__ import annotations

import ast
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEPRECATED = {"utcnow", "utcfromtimestamp"}


def test_no_deprecated_datetime_calls() -> None:
    sources = sorted([*(REPO_ROOT / "hfscan").rglob("*.py"), *(REPO_ROOT / "bench").rglob("*.py")])
    assert len(sources) > 40  # the walk found the code
    found = [f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {node.attr}"
             for path in sources for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Attribute) and node.attr in DEPRECATED]
    assert found == []
