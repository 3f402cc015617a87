"""`hfscan publish`: complete snapshots (+ card, + report) to a Hub dataset repo, one commit per run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, EndpointOption, JsonOption, emit, hub_access, open_db

if TYPE_CHECKING:
    from hfscan.jobs.publish import PublishResult


@app.command()
def publish(
    repo: Annotated[str, typer.Option("--repo", help="Dataset repo OWNER/NAME (created when absent).")],
    private: Annotated[bool, typer.Option("--private", help="Create the repo private (ignored when it exists).")] = False,
    report: Annotated[bool, typer.Option("--report", help="Also upload the HTML report (report/index.html).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be uploaded; change nothing.")] = False,
    db: DbOption = None,
    endpoint: EndpointOption = None,
    json_out: JsonOption = False,
) -> None:
    """Upload the snapshots the repo lacks (Parquet, Hive layout as `hfscan export`), the dataset card
    and optionally the report, in one commit. A killed run leaves the repo as it was; run it again.

    The token comes from HF_TOKEN or `hf auth login` and is never printed.

    Example: hfscan publish --repo my-org/hfscan-snapshots --report
    """
    from hfscan.crawl.client import HubClient
    from hfscan.errors import AuthError
    from hfscan.jobs.publish import check_repo_id
    from hfscan.jobs.publish import publish as run

    check_repo_id(repo)
    resolved, token = hub_access(endpoint)
    if not token and not dry_run:
        raise AuthError("publishing needs a Hub token with write access", hint="set HF_TOKEN, or run `hf auth login`")
    from hfscan.cli.progress import CountProgressBar

    with open_db(db) as con, CountProgressBar("publish", 1) as bar:
        result = run(con, HubClient(resolved, token).api(), repo, private=private, report=report, dry_run=dry_run,
                     on_step=lambda s: bar.update(s.done, s.step, total=s.total))
    emit(result, json_out, _text)


def _text(result: PublishResult) -> str:
    dry_run = result.dry_run
    lines = [f"{'would upload' if dry_run else 'uploaded'} {len(result.new_snapshots)} snapshot(s) "
             f"({result.bytes / 1e6:.2f} MB); {len(result.already_there)} already in datasets/{result.repo}"]
    if dry_run:
        lines += [f"  {f.path} ({f.bytes:,} bytes)" for f in result.files]
    elif result.commit:
        lines.append(f"commit {result.commit}")
    else:
        lines.append("nothing changed: no commit")
    return "\n".join(lines)
