"""`hfscan frameworks update|show`: the framework table the `loadable` method uses."""

from __future__ import annotations

from typing import Annotated

import typer

from hfscan.cli.app import app, help_when_bare
from hfscan.cli.common import DbOption, EndpointOption, JsonOption, emit, hub_access, open_db

frameworks_app = typer.Typer(help="The transformers framework table (which model types have PyTorch / TF / Flax "
                             "classes) behind --method loadable.", invoke_without_command=True,
                             callback=help_when_bare)
app.add_typer(frameworks_app, name="frameworks")


@frameworks_app.command("update")
def update_command(
    revision: Annotated[str | None, typer.Option(
        "--revision", "-r", help="A commit (or branch) of huggingface/transformers-metadata; default: main, "
        "stored as the commit it resolves to.")] = None,
    db: DbOption = None,
    endpoint: EndpointOption = None,
    json_out: JsonOption = False,
) -> None:
    """Read frameworks.json of huggingface/transformers-metadata at a revision and make it the current table.

    The table is stored with its commit sha and date; the `loadable` classes are recomputed under it.

    Example: hfscan frameworks update --revision 0123abcd...
    """
    from hfscan.crawl.client import HubClient
    from hfscan.jobs.frameworks import update_and_classify

    with open_db(db, read_only=False) as con:
        result = update_and_classify(con, HubClient(*hub_access(endpoint)), revision)
    emit(result, json_out, lambda r: (
        f"{r.repo}@{r.revision[:12]} ({r.revision_date}): {r.model_types} model types, "
        f"{r.pytorch} PyTorch, {r.tensorflow} TensorFlow, {r.flax} Flax; "
        + ("now the current table, loadable classes recomputed" if r.changed else "already the current table")))


@frameworks_app.command("show")
def show_command(db: DbOption = None, json_out: JsonOption = False) -> None:
    """The current framework table: revision, date, source and counts.

    Example: hfscan frameworks show --json
    """
    from hfscan.classify.frameworks import describe

    with open_db(db) as con:
        result = describe(con)
    emit(result, json_out, lambda r: (
        f"{r.revision}{f' ({d})' if (d := r.revision_date) else ''}, {r.source}: {r.model_types} model types, "
        f"{r.pytorch} PyTorch, {r.tensorflow} TensorFlow, {r.flax} Flax"))
