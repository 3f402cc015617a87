"""A Hub under load refuses large listing pages with 504: the scan asks again smaller (500, then
250), keeps the smaller size across a resume, and the snapshot is still exact."""

from __future__ import annotations

from pathlib import Path

import duckdb

from hfscan.jobs.scan import smaller_page
from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query, run_cli, scan_args, snapshot_rows

RETRIES = ["--max-retries", "2"]


def _saved_limit(db: Path) -> str:
    con = duckdb.connect(str(db.with_name(db.name + ".scan")), read_only=True)
    try:
        url = con.execute("SELECT next_url FROM scan_state").fetchone()[0]
    finally:
        con.close()
    return url.split("limit=")[1].split("&")[0]


def test_smaller_page_keeps_the_cursor_and_every_other_parameter() -> None:
    url = "https://hub.example/api/models?sort=createdAt&expand=sha&expand=tags&limit=1000&cursor=abc%3D"
    half = smaller_page(url)
    assert half == "https://hub.example/api/models?sort=createdAt&expand=sha&expand=tags&cursor=abc%3D&limit=500"
    assert smaller_page(half) is not None and "limit=250" in smaller_page(half)  # type: ignore[operator]
    assert smaller_page(url.replace("limit=1000", "limit=250")) is None


def test_a_hub_refusing_large_pages_is_listed_at_500(hub: FakeHub, db: Path) -> None:
    hub.set_load_limit(500)
    result = run_cli(scan_args(hub, db, *RETRIES))
    assert result.code == 0, result.stderr
    assert "asking for 500" in result.stderr
    assert snapshot_rows(db) == {(m.id, m.sha) for m in (hub.population.model(hub.population.index_of(i))
                                                          for i in hub.model_ids())}
    assert hub.stats()["refused_large_page"] == 1 + 2  # the first page, retried twice, then smaller
    assert query(db, "SELECT pages FROM scans")[0][0] == -(-len(hub.model_ids()) // 500)


def test_the_smaller_size_survives_a_stop_and_the_resume_stays_exact(hub: FakeHub, db: Path) -> None:
    hub.set_load_limit(500)
    # Page 2 keeps failing whatever its size: the scan goes down to 250, then stops (exit 3).
    hub.set_faults([{"kind": "5xx", "route": "listing", "page": 2, "count": 100, "status": [504]}])
    stopped = run_cli(scan_args(hub, db, *RETRIES))
    assert stopped.code == 3, stopped.stderr
    assert "asking for 500" in stopped.stderr and "asking for 250" in stopped.stderr
    assert _saved_limit(db) == "250"
    hub.clear_faults()
    refused = hub.stats()["refused_large_page"]
    resumed = run_cli(scan_args(hub, db, *RETRIES))
    assert resumed.code == 0, resumed.stderr
    assert hub.stats()["refused_large_page"] == refused  # no page larger than 250 asked again
    assert snapshot_rows(db) == {(m.id, m.sha) for m in (hub.population.model(hub.population.index_of(i))
                                                          for i in hub.model_ids())}
    models = len(hub.model_ids())
    assert query(db, "SELECT models, pages FROM scans") == [(models, 1 + -(-(models - 500) // 250))]
