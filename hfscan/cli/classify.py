"""`hfscan classify` (re)classifies stored versions; `hfscan explain MODEL` shows why."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, JsonOption, db_path, emit, format_table, note, open_db
from hfscan.text import printable


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
                        "pt_path, tf_path, jax_path, basis, config_model_type, scan_id "
                        f"FROM latest_classes WHERE model_id = '{quoted}' ORDER BY method", on_wait=note).frame
    if classes.is_empty():
        raise UsageError(f"{printable(model_id)} is not in the latest snapshot", hint="check the id (it is case-sensitive)")
    evidence = run_query(db_path(db), "SELECT path, format, resolved_format, family, rule, attributed "
                         f"FROM model_evidence WHERE model_id = '{quoted}' ORDER BY path", on_wait=note).frame
    emit({"model_id": model_id, "classes": classes, "evidence": evidence}, json_out, _explain_text)


def _loading_lines(classes: Any) -> list[str]:
    """Which path makes the model loadable, per transformers line (method loadable)."""
    from hfscan.classify.rules import LOADING_PATHS, TRANSFORMERS_LINES

    opt_in = {p.name: p.opt_in for p in LOADING_PATHS}
    lines = []
    for line, method in TRANSFORMERS_LINES.items():
        rows = classes.filter(classes["method"] == method).to_dicts()
        if not rows:
            continue
        row = rows[0]
        if row["basis"] != "transformers":
            lines.append(f"transformers {line}: not a transformers model ({row['basis']}): the files method's class")
            continue
        parts = [f"{name} via {path}" + (f" ({opt_in[path]})" if opt_in.get(path) else " (directly)")
                 for name, path in (("PyTorch", row["pt_path"]), ("TensorFlow", row["tf_path"]),
                                    ("JAX", row["jax_path"])) if path]
        lines.append(f"transformers {line}, model_type {row['config_model_type']}: "
                     + ("; ".join(parts) if parts else f"not loadable ({row['neither_reason']})"))
    return lines


def _explain_text(r: dict) -> str:
    evidence = r["evidence"]
    classes = r["classes"]
    return "\n".join([printable(r["model_id"]), format_table(classes.drop("scan_id", "pt_path", "tf_path", "jax_path",
                                                                 "config_model_type")),
                      *map(printable, _loading_lines(classes)),
                      "weight files (and excluded side files):",
                      format_table(evidence) if not evidence.is_empty() else "(none)"])
