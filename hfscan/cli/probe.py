"""`hfscan probe`: read safetensors headers for a chosen set of models (cached by repo, sha, file)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import (
    DbOption,
    EndpointOption,
    JsonOption,
    MaxRequestsOption,
    MaxRetriesOption,
    RetryWaitOption,
    db_path,
    emit,
    hub_access,
    note,
    read_model_ids,
)


@app.command()
def probe(
    db: DbOption = None,
    endpoint: EndpointOption = None,
    sample: Annotated[int | None, typer.Option(
        "--sample", min=1, help="A uniform random sample of N models whose class rests on safetensors attribution.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sample (same seed, same models).")] = 0,
    models_from: Annotated[Path | None, typer.Option(
        "--models-from", help="A file with one model id per line.", exists=False)] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every model with safetensors files (expensive).")] = False,
    max_requests_per_5min: MaxRequestsOption = None,
    max_retries: MaxRetriesOption = 5,
    retry_wait: RetryWaitOption = 1.0,
    json_out: JsonOption = False,
) -> None:
    """Read `__metadata__.format` of safetensors files with HTTP range requests.

    Then `hfscan shares --method header` estimates the shares with 95% intervals.
    Example: hfscan probe --sample 400 --seed 1
    """
    from hfscan.crawl.client import HubClient, RetryPolicy
    from hfscan.crawl.headers import HeaderReader
    from hfscan.jobs.probe import run_probe
    from hfscan.store.probes import select_targets

    ids = read_model_ids(models_from) if models_from is not None else None
    path = db_path(db)
    targets, cached = select_targets(path, sample=sample, seed=seed, models_from=ids, everything=everything,
                                     on_wait=note)
    note(f"probing {len(targets):,} models ({cached:,} files already cached)")
    reader = HeaderReader(HubClient(*hub_access(endpoint),
                                    retry=RetryPolicy(max_retries=max_retries, base_wait=retry_wait),
                                    max_requests_per_5min=max_requests_per_5min,
                                    on_wait=lambda why, s: note(f"waiting {s:.1f}s: {why}")))
    from hfscan.cli.progress import CountProgressBar

    with CountProgressBar("probe", len(targets)) as bar:
        result = run_probe(path, targets, reader, skipped_cached=cached,
                           on_progress=lambda p: bar.update(p.models_done, f"{p.requests} requests, {p.errors} errors"),
                           on_wait=note)
    emit(result.summary(), json_out, lambda r: (f"probed {r.files:,} files of {r.models:,} models with {r.requests:,} "
                                                f"requests ({r.errors} errors, {r.cached_files:,} cached); "
                                                f"formats: {r.formats}"))
