"""Where the report's numbers come from: the banner at the top of the page and of every exported chart.

A report of planted data must never read as the Hub's. A snapshot is planted when its scan saw the
fake Hub's marker (`scan_log.planted`, recorded at scan time, so it survives a renamed endpoint or
a copied database), or when it was listed from any endpoint other than https://huggingface.co.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

import duckdb

from hfscan import __version__
from hfscan.config import DEFAULT_ENDPOINT

# The 2021 figure's post (docs/REFERENCE_FIGURES.md): "PyTorch vs TensorFlow in 2022", 14 Dec 2021.
REFERENCE_URL = "https://www.assemblyai.com/blog/pytorch-vs-tensorflow-in-2022/"
PLANTED = "planted demonstration data, not the Hugging Face Hub"


class Origin(Enum):
    HUB = "the Hugging Face Hub"
    PLANTED = "the fake Hub (planted)"
    OTHER_ENDPOINT = "another endpoint, not the Hugging Face Hub"
    DUMP = "an imported dump"


@dataclass(frozen=True)
class SourceScan:
    scan_id: int
    kind: str
    source: str
    snapshot_day: str  # YYYY-MM-DD
    models: int
    origin: Origin


@dataclass(frozen=True)
class Provenance:
    scans: tuple[SourceScan, ...]
    version: str
    generated_at: str  # YYYY-MM-DD HH:MM UTC

    @property
    def planted(self) -> bool:
        """Any snapshot not from the Hub (planted, or another endpoint): the whole report says so."""
        return any(s.origin in (Origin.PLANTED, Origin.OTHER_ENDPOINT) for s in self.scans)

    @property
    def endpoints(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.source for s in self.scans if s.kind != "import"))

    def headline(self) -> str:
        """One line: what the data is. Plain text (callers escape it)."""
        where = ", ".join(self.endpoints) or "imported dumps"
        if self.planted:
            fake = any(s.origin is Origin.PLANTED for s in self.scans)
            what = "the fake Hub" if fake else "an endpoint other than https://huggingface.co"
            return f"Source: {where} ({what}): {PLANTED.upper()}"
        return f"Source: {where} (the Hugging Face Hub's public API)"

    def detail(self) -> str:
        """The scans and dumps the report rests on, hfscan's version and the generation time."""
        days = sorted(s.snapshot_day for s in self.scans)
        imports = sum(s.kind == "import" for s in self.scans)
        span = f"{days[0]} to {days[-1]}" if days else "none"
        return (f"{len(self.scans) - imports} scan(s) and {imports} imported dump(s), snapshots {span}; "
                f"hfscan {self.version}, generated {self.generated_at}")

    def lines(self) -> list[str]:
        return [self.headline(), self.detail()]


def _origin(kind: str, source: str, planted: bool) -> Origin:
    if planted:
        return Origin.PLANTED
    if kind == "import":
        return Origin.DUMP
    return Origin.HUB if source.rstrip("/") == DEFAULT_ENDPOINT else Origin.OTHER_ENDPOINT


def provenance(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> Provenance:
    rows = con.execute("""
        SELECT scan_id, kind, source, strftime(snapshot_at, '%Y-%m-%d'), coalesce(models, 0), planted
        FROM scans WHERE status = 'complete' ORDER BY snapshot_at, scan_id""").fetchall()
    scans = tuple(SourceScan(int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]),
                             _origin(str(r[1]), str(r[2]), bool(r[5]))) for r in rows)
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return Provenance(scans, __version__, moment)
