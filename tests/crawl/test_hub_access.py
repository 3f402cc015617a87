"""HubClient against the fake Hub answering like the real one: typed errors by who asks, `t=0`
rate-limit resets, redirects to another origin, the outage breaker.

Ground truth is what the test planted on the fake Hub (access states, faults, renames); the
formats come from the population's own generator.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hfscan.crawl.client import HubClient, RetryPolicy
from hfscan.crawl.headers import HeaderReader
from hfscan.errors import AuthError, HubError, HubOutage, HubUnreachable, RepoDisabled, RepoGated, RepoGone
from hfscan.testing.fakehub import ALL_GATES, FakeHub
from hfscan.testing.fakehub.population import Model

TOKEN = "hf_" + "t" * 30
ACCEPTED = "hf_" + "a" * 30  # a token whose user accepted the gates planted for it
FAST = RetryPolicy(max_retries=2, base_wait=0.0, max_wait=0.0)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeHub]:
    with FakeHub(models=300, seed=7) as running:
        yield running


@pytest.fixture(autouse=True)
def clean(fake: FakeHub) -> Iterator[None]:
    yield
    fake.clear_faults()
    fake.set_access({})
    fake.set_gate_access({})
    fake.set_renamed({})


def models(fake: FakeHub, n: int, *, gated: bool = False, safetensors: bool = False) -> list[Model]:
    found = []
    for i in range(300):
        model = fake.population.model(i)
        if bool(model.gated) != gated:
            continue
        if safetensors and not any(f.endswith(".safetensors") for f in model.files()):
            continue
        found.append(model)
        if len(found) == n:
            return found
    raise AssertionError("the population has too few such models")


def commits(client: HubClient, model_id: str) -> list[dict]:
    import json

    return [item for page in client.pages(f"/api/models/{model_id}/commits/main", [], json.loads,
                                          what=f"commits of {model_id}") for item in page.parsed]


@pytest.mark.parametrize("token", [None, TOKEN], ids=["anonymous", "token"])
def test_missing_private_deleted_and_disabled_repos_are_typed_per_repo(fake: FakeHub, token: str | None) -> None:
    gone, private, disabled, fine = models(fake, 4)
    fake.set_access({gone.id: "gone", private.id: "private", disabled.id: "disabled"})
    client = HubClient(fake.url, token, retry=FAST)
    for model_id in (gone.id, private.id, "nobody/never-existed"):
        with pytest.raises(RepoGone):
            commits(client, model_id)
    with pytest.raises(RepoDisabled):
        commits(client, disabled.id)
    assert len(commits(client, fine.id)) == len(fine.commits)


def test_a_bad_token_is_an_auth_error_and_a_bare_401_off_a_repo_url_too(fake: FakeHub) -> None:
    model = models(fake, 1)[0]
    client = HubClient(fake.url, TOKEN, retry=FAST)
    fake.set_faults([{"kind": "401", "route": "commits", "count": 1}])
    with pytest.raises(AuthError):
        commits(client, model.id)
    # The same bare 401 on a repo URL is a repo the caller cannot see; on the listing, a token problem.
    fake.set_faults([{"kind": "401bare", "route": "any", "count": 2}])
    with pytest.raises(RepoGone):
        commits(client, model.id)
    with pytest.raises(AuthError):
        client.request("GET", client.url("/api/models"), params={"limit": "1"})


def test_a_503_is_unreachable_whatever_the_repo_is_called(fake: FakeHub) -> None:
    fake.set_faults([{"kind": "5xx", "route": "commits", "count": 3}])
    client = HubClient(fake.url, retry=FAST)
    with pytest.raises(HubUnreachable) as raised:
        commits(client, "acme/ungated-bert")
    assert not isinstance(raised.value, (RepoGated, HubOutage))


def test_gated_files_are_refused_without_access_and_read_with_an_accepted_gate(fake: FakeHub) -> None:
    model = models(fake, 1, safetensors=True)[0]
    fake.set_access({model.id: "gated"})
    fake.set_gate_access({ACCEPTED: {model.id}})
    path = next(f for f in model.files() if f.endswith(".safetensors"))
    for token in (None, TOKEN):  # anonymous, and a token whose user never accepted the gate
        refused = HeaderReader(HubClient(fake.url, token, retry=FAST)).read(model.id, model.sha, path)
        assert refused[1] == "gated"
    with_access = HeaderReader(HubClient(fake.url, ACCEPTED, retry=FAST)).read(model.id, model.sha, path)
    planted = model.header_format(path)
    assert with_access == ((planted, "ok", None) if planted else (None, "no_metadata", None))


def _raw(fake: FakeHub, method: str, path: str, token: str | None, **kwargs: object) -> tuple[int, str | None]:
    from huggingface_hub.utils import get_session

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = get_session().request(method, f"{fake.url}{path}", headers=headers, **kwargs)
    return answer.status_code, answer.headers.get("X-Error-Code")


@pytest.mark.parametrize("planted_by", ["population", "access"])
def test_a_gated_repo_refuses_its_commit_log_tree_paths_info_and_files_without_access(
        fake: FakeHub, planted_by: str) -> None:
    """As the real Hub answers (docs/HUB_PROTOCOL.md, "Gated repos"): anonymous 401 and a token
    without access 403, both with X-Error-Code GatedRepo; the model info and the listing stay
    readable and say `gated`; a token whose user accepted the gate reads everything."""
    model = models(fake, 1, gated=True)[0] if planted_by == "population" else models(fake, 1)[0]
    if planted_by == "access":
        fake.set_access({model.id: "gated"})
    fake.set_gate_access({ACCEPTED: {model.id}, "hf_" + "o" * 30: {"someone/else"}})
    other = "hf_" + "o" * 30
    sha, name = model.sha, sorted(model.files())[0]
    calls = [("GET", f"/api/models/{model.id}/commits/main", {}),
             ("GET", f"/api/models/{model.id}/tree/{sha}", {"params": {"recursive": "true"}}),
             ("POST", f"/api/models/{model.id}/paths-info/{sha}", {"data": {"paths": [name]}}),
             ("GET", f"/{model.id}/resolve/{sha}/{name}", {})]
    for method, path, kwargs in calls:
        assert _raw(fake, method, path, None, **kwargs) == (401, "GatedRepo"), path
        assert _raw(fake, method, path, other, **kwargs) == (403, "GatedRepo"), path
        assert _raw(fake, method, path, ACCEPTED, **kwargs)[0] in (200, 302), path
    assert _raw(fake, "GET", f"/api/models/{model.id}", None) == (200, None)
    for token in (None, other):
        with pytest.raises(RepoGated):
            commits(HubClient(fake.url, token, retry=FAST), model.id)
    assert len(commits(HubClient(fake.url, ACCEPTED, retry=FAST), model.id)) == len(model.commits)


def test_every_gate_can_be_accepted_at_once(fake: FakeHub) -> None:
    planted, ungated = models(fake, 1, gated=True)[0], models(fake, 1)[0]
    fake.set_access({ungated.id: "gated"})
    fake.set_gate_access({ACCEPTED: ALL_GATES})
    gated = [planted, ungated]
    for model in gated:
        assert len(commits(HubClient(fake.url, ACCEPTED, retry=FAST), model.id)) == len(model.commits)


def test_a_ratelimit_reset_of_t0_is_waited_out(fake: FakeHub) -> None:
    # `t=0` in the window's last second while the Hub keeps refusing for 0.6 s more: waiting t
    # spends the budget of 3 waits at once; waiting t+1 gets through.
    model = models(fake, 1)[0]
    fake.set_faults([{"kind": "429", "route": "commits", "reset": 0, "retry_after": 0, "hold_ms": 600}])
    waits: list[float] = []
    client = HubClient(fake.url, retry=RetryPolicy(max_rate_limited=3),
                       on_wait=lambda why, seconds: waits.append(seconds))
    assert len(commits(client, model.id)) == len(model.commits)
    assert waits and all(w >= 1 for w in waits)
    assert client.stats.rate_limited == len(waits) and client.stats.waited_seconds == sum(waits)


def test_lfs_redirects_keep_range_and_never_carry_the_token_to_the_other_origin(fake: FakeHub) -> None:
    model = models(fake, 1, safetensors=True)[0]
    path = next(f for f in model.files() if f.endswith(".safetensors"))
    before = fake.stats()
    result = HeaderReader(HubClient(fake.url, TOKEN, retry=FAST)).read(model.id, model.sha, path)
    planted = model.header_format(path)
    assert result == ((planted, "ok", None) if planted else (None, "no_metadata", None))
    after = fake.stats()

    def grew(key: str) -> int:
        return after.get(key, 0) - before.get(key, 0)

    assert grew("redirect:302") >= 1 and grew("cdn:requests") == grew("redirect:302")
    assert grew("cdn:range_seen") == grew("cdn:requests")  # Range survives the redirect
    assert grew("authorization_seen") >= 1  # the token went to the Hub ...
    assert grew("cdn:authorization_seen") == 0  # ... and never to the other host


def test_a_renamed_repo_answers_307_and_is_followed(fake: FakeHub) -> None:
    model = models(fake, 1)[0]
    fake.set_renamed({"old-org/old-name": model.id})
    client = HubClient(fake.url, TOKEN, retry=FAST)
    before = fake.stats().get("redirect:307", 0)
    assert len(commits(client, "old-org/old-name")) == len(model.commits)
    assert fake.stats()["redirect:307"] - before == 1


def test_failures_in_a_row_across_requests_trip_the_breaker(fake: FakeHub) -> None:
    a, b, c = models(fake, 3)
    fake.set_faults([{"kind": "5xx", "route": "commits", "count": 10**6}])
    client = HubClient(fake.url, retry=FAST)  # 3 attempts a request, outage after 6 in a row
    with pytest.raises(HubUnreachable) as first:
        commits(client, a.id)
    assert not isinstance(first.value, HubOutage)
    with pytest.raises(HubOutage):
        commits(client, b.id)
    assert client.stats.requests == 6
    # An answer in between (even a refusal) resets the count: the Hub is up.
    fake.clear_faults()
    assert commits(client, c.id)
    fake.set_faults([{"kind": "5xx", "route": "commits", "count": 10**6}])
    with pytest.raises(HubUnreachable) as again:
        commits(client, a.id)
    assert not isinstance(again.value, HubOutage) and isinstance(again.value, HubError)


def test_access_can_be_planted_over_http_for_a_fake_hub_run_as_a_process(fake: FakeHub) -> None:
    from huggingface_hub.utils import get_session

    model = models(fake, 1)[0]
    assert get_session().post(f"{fake.url}/_fakehub/access", json={model.id: "unknown"}).status_code == 400
    assert get_session().post(f"{fake.url}/_fakehub/access", json={model.id: "disabled"}).status_code == 200
    with pytest.raises(RepoDisabled):
        commits(HubClient(fake.url, retry=FAST), model.id)
