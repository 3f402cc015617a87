"""The fake Hub, driven by the real huggingface_hub client (as hfscan and users drive the real Hub).

Expectations come from the population's own generator (the planted models), not from the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from huggingface_hub import HfApi, constants
from huggingface_hub.errors import EntryNotFoundError, GatedRepoError, RepositoryNotFoundError
from huggingface_hub.utils import get_session

from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.population import CLAMP, CLAMP_LAST, DAY

N = 1000


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    with FakeHub(models=N, seed=5, commits_page_size=2, tree_page_size=4) as running:
        yield running


@pytest.fixture
def api(hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> HfApi:
    # HF_ENDPOINT is read at import; the agent-harness fetch uses the module constant.
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", hub.url + "/{repo_id}/resolve/{revision}/{filename}")
    return HfApi(endpoint=hub.url, token=False)


def planted(hub: FakeHub) -> dict[str, object]:
    return {hub.population.model(i).id: hub.population.model(i) for i in range(N)}


def test_list_models_gives_every_model_once_newest_first_with_the_clamp(hub: FakeHub, api: HfApi) -> None:
    models = list(api.list_models(sort="created_at", expand=["createdAt", "siblings", "sha", "tags"], limit=None))
    ids = [m.id for m in models]
    assert len(ids) == len(set(ids)) == N
    assert set(ids) == set(planted(hub))
    created = [m.created_at for m in models]
    assert created == sorted(created, reverse=True)
    # As on the real Hub, the placeholder spans two seconds, each for part of the old repos.
    first, last = datetime.fromtimestamp(CLAMP, UTC), datetime.fromtimestamp(CLAMP_LAST, UTC)
    truth = hub.truth()
    shown = {second: sum(c == second for c in created) for second in (first, last)}
    assert sum(shown.values()) == truth["clamped"] > 50 and min(shown.values()) > 20
    assert all(c >= first for c in created)  # nothing older is ever shown
    # Every `_id` is an ObjectId whose first 4 bytes are the listed createdAt (real: 621ffdc0/621ffdc1).
    assert all(int(m._id[:8], 16) == int(m.created_at.timestamp()) and len(m._id) == 24 for m in models)
    some = hub.population.model(N // 2)
    listed = next(m for m in models if m.id == some.id)
    assert [s.rfilename for s in listed.siblings] == some.files()
    assert listed.sha == some.sha and listed.tags == some.tags()


def test_expand_returns_only_the_asked_keys_and_the_link_is_absolute(hub: FakeHub, api: HfApi) -> None:
    response = get_session().get(f"{hub.url}/api/models", params=[("expand", "sha"), ("expand", "tags"), ("limit", "7")])
    assert response.status_code == 200
    items = response.json()
    assert len(items) == 7
    assert all(set(item) == {"_id", "id", "sha", "tags"} for item in items)
    link = response.headers["Link"]
    assert link.startswith(f"<{hub.url}/api/models?") and link.endswith('>; rel="next"')
    assert "expand=sha" in link and "expand=tags" in link and "cursor=" in link
    assert response.headers["RateLimit"].startswith('"api";r=')
    assert "q=" in response.headers["RateLimit-Policy"]
    bad = get_session().get(f"{hub.url}/api/models", params={"expand": "nonsense"})
    assert bad.status_code == 400


@pytest.mark.parametrize("sort", ["last_modified", "downloads", "likes"])
def test_other_sorts_enumerate_every_model_once_in_order(hub: FakeHub, api: HfApi, sort: str) -> None:
    models = list(api.list_models(sort=sort, limit=None, expand=["lastModified", "downloads", "likes"]))
    assert len({m.id for m in models}) == len(models) == N
    key = {"last_modified": "last_modified", "downloads": "downloads", "likes": "likes"}[sort]
    values = [getattr(m, key) for m in models]
    assert values == sorted(values, reverse=True)


def test_author_and_search_filters(hub: FakeHub, api: HfApi) -> None:
    target = hub.population.model(N - 3)
    found = [m.id for m in api.list_models(author=target.author)]
    expected = [m.id for m in planted(hub).values() if m.author == target.author]
    assert sorted(found) == sorted(expected) and target.id in found
    assert target.id in [m.id for m in api.list_models(search=target.name)]


def test_tree_and_commits_paginate_and_match_the_history(hub: FakeHub, api: HfApi) -> None:
    models = planted(hub)
    old = next(m for m in models.values() if m.created < CLAMP and len(m.commits) >= 3)
    tree = {entry.path for entry in api.list_repo_tree(old.id, recursive=True) if entry.__class__.__name__ == "RepoFile"}
    assert tree == set(old.files())  # more than one page of 4 entries
    commits = api.list_repo_commits(old.id)  # pages of 2
    assert [c.commit_id for c in commits] == [c.sha for c in reversed(old.commits)]
    assert commits[-1].created_at == datetime.fromtimestamp(old.created, UTC)  # the true date, pre-clamp
    first = old.commits[0]
    assert {e.path for e in api.list_repo_tree(old.id, revision=first.sha, recursive=True)
            if e.__class__.__name__ == "RepoFile"} == set(old.files(first))
    info = api.model_info(old.id, revision=first.sha)
    assert info.sha == first.sha


def test_some_first_commits_are_not_the_creation(hub: FakeHub, api: HfApi) -> None:
    """Planted: histories squashed days after creation, and first commits dated before it."""
    models = [m for m in planted(hub).values() if abs(m.first_commit - m.created) > DAY]
    later = next(m for m in models if m.first_commit > m.created)
    earlier = next(m for m in models if m.first_commit < m.created)
    for model in (later, earlier):
        listed = api.model_info(model.id)
        assert int(listed._id[:8], 16) == int(listed.created_at.timestamp()) == model.created
        assert api.list_repo_commits(model.id)[-1].created_at == datetime.fromtimestamp(model.first_commit, UTC)
    assert hub.truth()["first_commit_not_creation"] == len(models)


def test_safetensors_headers_carry_the_planted_format(hub: FakeHub, api: HfApi) -> None:
    checked = 0
    for model in planted(hub).values():
        if model.gated:
            continue
        files = model.files()
        if "model.safetensors" in files or "model.safetensors.index.json" in files:
            meta = api.get_safetensors_metadata(model.id)
            for name, file_meta in meta.files_metadata.items():
                assert (file_meta.metadata or {}).get("format") == model.header_format(name)
            checked += 1
        elif any(f.endswith(".safetensors") for f in files):
            name = next(f for f in files if f.endswith(".safetensors"))
            meta = api.parse_safetensors_file_metadata(model.id, name)
            assert (meta.metadata or {}).get("format") == model.header_format(name)
            checked += 1
        if checked >= 40:
            break
    assert checked >= 40


def test_errors_carry_the_hub_error_codes(hub: FakeHub, api: HfApi) -> None:
    # Anonymous: a bare 401 (huggingface_hub guesses RepositoryNotFoundError only on https URLs);
    # with a token: 404 + RepoNotFound, as the real Hub answers.
    anonymous = get_session().get(f"{hub.url}/api/models/nobody/nothing-here")
    assert anonymous.status_code == 401 and "X-Error-Code" not in anonymous.headers
    assert anonymous.headers["X-Error-Message"] == "Invalid username or password."
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=hub.url, token="hf_" + "x" * 20).model_info("nobody/nothing-here")
    model = next(m for m in planted(hub).values() if not m.gated)
    with pytest.raises(EntryNotFoundError):
        api.parse_safetensors_file_metadata(model.id, "missing.safetensors")
    gated = next((m for m in planted(hub).values() if m.gated and any(f.endswith(".safetensors") for f in m.files())), None)
    if gated is not None:
        name = next(f for f in gated.files() if f.endswith(".safetensors"))
        with pytest.raises(GatedRepoError):
            api.parse_safetensors_file_metadata(gated.id, name)
    assert get_session().get(f"{hub.url}/api/agent-harnesses").status_code == 404
    assert get_session().get(f"{hub.url}/api/whatever").status_code == 404


def test_the_population_is_deterministic_and_epochs_churn() -> None:
    with FakeHub(models=500, seed=9) as a, FakeHub(models=500, seed=9) as b, FakeHub(models=500, seed=10) as c:
        assert a.truth() == b.truth()
        assert a.model_ids() == b.model_ids()
        assert a.truth()["files"] != c.truth()["files"] or a.model_ids() != c.model_ids()
        before = {i: a.population.model(i, 0).sha for i in range(500)}
        a.set_epoch(3)
        after = set(a.model_ids())
        assert len(after) > 500  # new models
        changed = sum(a.population.model(i, 3).sha != sha for i, sha in before.items())
        assert 1 <= changed <= 60  # about 1% a epoch
        assert len(set(b.model_ids()) - after) <= 15  # about 0.2% a epoch deleted


def test_quota_exhaustion_answers_429_with_retry_after() -> None:
    with FakeHub(models=50, seed=1, quota={"api": 3}) as hub:
        session = get_session()
        answers = [session.get(f"{hub.url}/api/models", params={"limit": "5"}) for _ in range(4)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429]
        assert answers[2].headers["RateLimit"].startswith('"api";r=0;')
        assert int(answers[3].headers["Retry-After"]) > 0
