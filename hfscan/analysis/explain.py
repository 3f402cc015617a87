"""`hfscan explain MODEL`: a model's class by each method in the latest snapshot, and the files
behind it, read from the public views `latest_classes` and `model_evidence`."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from hfscan.classify.versions import Evidence
from hfscan.errors import UsageError
from hfscan.results import json_key


@dataclass(frozen=True)
class MethodClass:
    method: str
    class_: str = field(metadata=json_key("class"))
    neither_reason: str | None
    pt_attributed: bool | None
    formats: list[str] | None
    library_name: str | None
    pt_path: str | None  # the loading paths of method loadable (docs/LOADABLE.md), else None
    tf_path: str | None
    jax_path: str | None
    basis: str | None
    config_model_type: str | None
    scan_id: int


@dataclass(frozen=True)
class Explanation:
    model_id: str
    classes: list[MethodClass]
    evidence: list[Evidence]


_CLASS_COLUMNS = ("method, class, neither_reason, pt_attributed, formats, library_name, pt_path, tf_path, jax_path, "
                  "basis, config_model_type, scan_id")
_EVIDENCE_COLUMNS = "path, format, resolved_format, family, rule, attributed"


def explain(con: duckdb.DuckDBPyConnection, model_id: str) -> Explanation:
    """Refused (UsageError) when the model is not in the latest snapshot."""
    classes = [MethodClass(*row) for row in con.execute(
        f"SELECT {_CLASS_COLUMNS} FROM latest_classes WHERE model_id = ? ORDER BY method", [model_id]).fetchall()]
    if not classes:
        raise UsageError(f"{model_id} is not in the latest snapshot", hint="check the id (it is case-sensitive)")
    evidence = [Evidence(*row) for row in con.execute(
        f"SELECT {_EVIDENCE_COLUMNS} FROM model_evidence WHERE model_id = ? ORDER BY path", [model_id]).fetchall()]
    return Explanation(model_id, classes, evidence)
