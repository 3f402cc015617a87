"""`hfscan classify` (re)classifies stored versions; `hfscan explain MODEL` shows why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, JsonOption, emit, format_table, jsonable, open_db
from hfscan.text import printable

if TYPE_CHECKING:
    from hfscan.analysis.explain import Explanation, MethodClass
    from hfscan.classify.versions import ClassifyResult


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


def _classify_text(r: ClassifyResult) -> str:
    done = ", ".join(f"{method} {n:,}" for method, n in r.by_method.items())
    return f"rules v{r.rules_version}: {r.classified:,} new versions classified ({done}) in {r.seconds}s"


@app.command()
def explain(
    model_id: Annotated[str, typer.Argument(help="A model id, e.g. google-bert/bert-base-uncased.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show a model's class by each method in the latest snapshot, and the files behind it.

    Example: hfscan explain google-bert/bert-base-uncased
    """
    from hfscan.analysis.explain import explain as explain_model

    with open_db(db) as con:
        result = explain_model(con, model_id)
    emit(result, json_out, _explain_text)


def _loading_lines(classes: list[MethodClass]) -> list[str]:
    """Which path makes the model loadable, per transformers line (method loadable)."""
    from hfscan.classify.rules import LOADING_PATHS, TRANSFORMERS_LINES

    opt_in = {p.name: p.opt_in for p in LOADING_PATHS}
    lines = []
    for line, method in TRANSFORMERS_LINES.items():
        row = next((c for c in classes if c.method == method), None)
        if row is None:
            continue
        if row.basis != "transformers":
            lines.append(f"transformers {line}: not a transformers model ({row.basis}): the files method's class")
            continue
        parts = [f"{name} via {path}" + (f" ({opt_in[path]})" if opt_in.get(path) else " (directly)")
                 for name, path in (("PyTorch", row.pt_path), ("TensorFlow", row.tf_path),
                                    ("JAX", row.jax_path)) if path]
        lines.append(f"transformers {line}, model_type {row.config_model_type}: "
                     + ("; ".join(parts) if parts else f"not loadable ({row.neither_reason})"))
    return lines


def _explain_text(r: Explanation) -> str:
    import polars as pl

    classes = pl.DataFrame(jsonable(r.classes), infer_schema_length=None)
    evidence = pl.DataFrame(jsonable(r.evidence), infer_schema_length=None)
    return "\n".join([printable(r.model_id), format_table(classes.drop("scan_id", "pt_path", "tf_path", "jax_path",
                                                                  "config_model_type")),
                      *map(printable, _loading_lines(r.classes)),
                      "weight files (and excluded side files):",
                      format_table(evidence) if not evidence.is_empty() else "(none)"])
