"""The docs resolve inside a clone: no pointer to folders outside the repository or to issue
numbers, and every relative link in the README and docs/ names a file that exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".py", ".md", ".sql", ".toml", ".txt", ".json", ".yml", ".yaml", ".cfg"}
OUTSIDE = re.compile(r"\.\./shared\b|\bissue #?\d+\b|\(#\d+\)", re.IGNORECASE)
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
# Written on another branch at the same time as this test; checked as soon as it exists.
PENDING: set[str] = set()


def _tracked() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    return [REPO_ROOT / n for n in names.splitlines() if Path(n).suffix in TEXT_SUFFIXES]


def test_nothing_points_outside_the_clone() -> None:
    files = _tracked()
    assert len(files) > 50
    this = Path(__file__).resolve()
    found = [f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
             for path in files if path.resolve() != this and path.exists()
             for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if OUTSIDE.search(line)]
    assert found == []


def test_every_relative_link_in_the_docs_resolves() -> None:
    pages = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
    assert len(pages) >= 4
    broken = []
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):  # http(s), mailto: not ours to check
                continue
            resolved = (page.parent / target).resolve()
            relative = resolved.relative_to(REPO_ROOT) if resolved.is_relative_to(REPO_ROOT) else resolved
            if str(relative) in PENDING and not resolved.exists():
                continue
            if not resolved.is_relative_to(REPO_ROOT) or not resolved.exists():
                broken.append(f"{page.relative_to(REPO_ROOT)}: {target}")
    assert broken == []


def test_the_architecture_names_every_view_and_macro() -> None:
    """docs/ARCHITECTURE.md's list of public views once lagged the SQL by four views."""
    sql = "\n".join(p.read_text() for p in sorted((REPO_ROOT / "hfscan" / "store" / "views").glob("*.sql")))
    names = re.findall(r"CREATE OR REPLACE (?:VIEW|MACRO) (\w+)", sql)
    assert len(names) > 20
    text = (REPO_ROOT / "docs" / "ARCHITECTURE.md").read_text()
    assert [n for n in names if f"`{n}`" not in text and f"`{n}(" not in text] == []
