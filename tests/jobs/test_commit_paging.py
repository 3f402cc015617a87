"""Commit logs page like the real Hub's (50 unless `limit`, up to 1000), and history asks for 1000."""

from __future__ import annotations

import json
from pathlib import Path

from huggingface_hub.utils import httpx

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query, run_cli, scan_args

SEED = 6  # its 300 models include a pre-2022 repo with a log longer than two default pages


def _long_repo(hub: FakeHub) -> tuple[str, int]:
    population = hub.population
    found = [(m.id, len(m.commits)) for m in (population.model(i) for i in range(population.size(0)))
             if len(m.commits) > 100 and m.created_at > m.created]
    assert found, "the population must plant a clamped repo with a long log"
    return found[0]


def test_the_fake_pages_commit_logs_like_the_hub() -> None:
    with FakeHub(models=300, seed=SEED) as hub:
        repo, total = _long_repo(hub)
        url = f"{hub.url}/api/models/{repo}/commits/main"
        first = httpx.get(url)
        assert first.status_code == 200 and len(first.json()) == 50
        assert first.headers["X-Total-Count"] == str(total)
        next_url = first.links["next"]["url"]
        assert next_url.startswith(hub.url) and "p=1" in next_url
        seen = first.json()
        while next_url:
            page = httpx.get(next_url)
            seen += page.json()
            next_url = page.links.get("next", {}).get("url")
        assert len(seen) == total and len({c["id"] for c in seen}) == total
        whole = httpx.get(url, params={"limit": 1000})
        assert [c["id"] for c in whole.json()] == [c["id"] for c in seen] and "Link" not in whole.headers
        assert httpx.get(url, params={"limit": 1001}).status_code == 400


def test_history_reads_a_long_log_in_one_request(tmp_path: Path) -> None:
    db = tmp_path / "hfscan.duckdb"
    with FakeHub(models=300, seed=SEED) as hub:
        assert run_cli(scan_args(hub, db)).code == 0
        repo, total = _long_repo(hub)
        wanted = tmp_path / "wanted.txt"
        wanted.write_text(repo + "\n")
        before = hub.stats().get("route:commits", 0)
        result = run_cli(["history", "--endpoint", hub.url, "--db", str(db), "--json", "--models-from", str(wanted)])
        assert result.code == 0, result.stderr
        assert json.loads(result.stdout)["commits"] == total
        assert hub.stats()["route:commits"] - before == 1  # 50 a page would be 3 requests
        assert query(db, f"SELECT count(*) FROM commits WHERE model_id = '{repo}'")[0][0] == total
