"""`hfscan classify` (re)classifies stored versions; `hfscan explain MODEL` shows why."""

from __future__ import annotations

from typing import Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, JsonOption, db_path, emit, format_table, note, open_db


@app.command()
def classify(db: DbOption = None, json_out: JsonOption = False) -> None:
    """Classify every stored repo version not yet classified under the current rules.

    `scan` and `probe` do this on their own; run it after upgrading hfscan (new rules_version).

    Example: hfscan classify --json
    """
    from hfscan.classify.versions import classify_versions

    with open_db(db, read_only=False) as con:
        result = classify_versions(con)
    emit(result, json_out, _classify_text)


def _classify_text(r: dict) -> str:
    done = ", ".join(f"{method} {n:,}" for method, n in r["by_method"].items())
    return f"rules v{r['rules_version']}: {r['classified']:,} new versions classified ({done}) in {r['seconds']}s"


@app.command()
def explain(
    model_id: Annotated[str, typer.Argument(help="A model id, e.g. google-bert/bert-base-uncased.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show a model's class by each method in the latest snapshot, and the files behind it.

    Example: hfscan explain google-bert/bert-base-uncased
    """
    from hfscan.errors import UsageError
    from hfscan.store.query import run_query

    quoted = model_id.replace("'", "''")
    classes = run_query(db_path(db), "SELECT method, class, neither_reason, pt_attributed, formats, library_name, "
                        f"scan_id FROM latest_classes WHERE model_id = '{quoted}' ORDER BY method", on_wait=note)
    if classes.is_empty():
        raise UsageError(f"{model_id} is not in the latest snapshot", hint="check the id (it is case-sensitive)")
    evidence = run_query(db_path(db), "SELECT path, format, resolved_format, family, rule, attributed "
                         f"FROM model_evidence WHERE model_id = '{quoted}' ORDER BY path", on_wait=note)
    emit({"model_id": model_id, "classes": classes, "evidence": evidence}, json_out, _explain_text)


def _explain_text(r: dict) -> str:
    evidence = r["evidence"]
    return "\n".join([r["model_id"], format_table(r["classes"].drop("scan_id")),
                      "weight files (and excluded side files):",
                      format_table(evidence) if not evidence.is_empty() else "(none)"])
