"""The one Hub error table (hfscan/crawl/errors.py): both roads (hfscan's client answers and
huggingface_hub's exceptions) reach the same hfscan errors, worded by the call's context."""

from __future__ import annotations

import pytest
from huggingface_hub import errors as hf
from huggingface_hub.utils import httpx

from hfscan.crawl.errors import Doing, HubCall, error_for, hub_errors
from hfscan.errors import (
    AuthError,
    EntryGone,
    HubError,
    HubOutage,
    HubUnreachable,
    RateLimited,
    RepoDisabled,
    RepoGated,
    RepoGone,
    UsageError,
)


def response(status: int, url: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", url))


REPO = "http://127.0.0.1:1/api/datasets/alice/dumps"


@pytest.mark.parametrize(("status", "headers", "repo_url", "expected"), [
    (401, {"X-Error-Code": "GatedRepo"}, True, RepoGated),
    (404, {"X-Error-Code": "RepoNotFound"}, True, RepoGone),
    (404, {"X-Error-Code": "RevisionNotFound"}, True, RepoGone),
    (404, {"X-Error-Code": "EntryNotFound"}, True, EntryGone),
    (403, {"X-Error-Message": "Access to this resource is disabled."}, True, RepoDisabled),
    (401, {"X-Error-Message": "Invalid username or password."}, True, RepoGone),
    (401, {"X-Error-Message": "Invalid credentials in Authorization header"}, True, AuthError),
    (401, {}, False, AuthError),
    (403, {}, True, HubError),
])
def test_client_answers(status: int, headers: dict[str, str], repo_url: bool, expected: type) -> None:
    error = error_for(status, headers, HubCall("acme/bert commit log"), repo_url=repo_url)
    assert type(error) is expected and str(error).startswith("acme/bert commit log: ")


def raised(error: BaseException, doing: Doing) -> BaseException:
    with pytest.raises(Exception) as info, hub_errors(HubCall("dataset alice/dumps: repo info", doing)):
        raise error
    return info.value


def test_gated_is_matched_before_its_parent_class() -> None:
    gated = hf.GatedRepoError("gated", response=response(401, REPO, **{"X-Error-Code": "GatedRepo"}))
    assert isinstance(gated, hf.RepositoryNotFoundError)  # why the order matters
    assert type(raised(gated, Doing.READ)) is RepoGated


def test_a_repo_the_user_named_is_their_typo_and_a_crawled_one_is_recorded() -> None:
    missing = hf.RepositoryNotFoundError("404", response=response(404, REPO, **{"X-Error-Code": "RepoNotFound"}))
    named = raised(missing, Doing.READ)
    assert type(named) is UsageError and named.hint and "repo id" in named.hint
    assert str(named) == "dataset alice/dumps: repo info: repository not found, private or deleted (HTTP 404)"
    assert type(raised(missing, Doing.CRAWL)) is RepoGone
    assert type(raised(missing, Doing.PUBLISH)) is RepoGone  # publish reads an absent repo as empty


def test_publish_words_a_403_as_no_write_access_and_hints_how_to_retry() -> None:
    forbidden = hf.HfHubHTTPError("403 Forbidden", response=response(403, REPO + "/commit/main"))
    error = raised(forbidden, Doing.PUBLISH)
    assert type(error) is AuthError and "no write access (HTTP 403)" in str(error)
    failed = raised(hf.HfHubHTTPError("500 Server Error", response=response(500, REPO)), Doing.PUBLISH)
    assert type(failed) is HubError and failed.hint is not None and "hfscan publish" in failed.hint
    assert type(raised(httpx.ConnectError("refused"), Doing.READ)) is HubUnreachable
    offline = hf.LocalEntryNotFoundError("cannot find the requested files in the local cache")
    assert type(raised(offline, Doing.READ)) is HubUnreachable  # hf_hub_download with the Hub unreachable


def test_other_exceptions_pass_through() -> None:
    assert type(raised(KeyError("x"), Doing.READ)) is KeyError
    assert type(raised(ValueError("x"), Doing.READ)) is ValueError  # only an upload's wrappers are the Hub's


def test_stopping_the_run_is_a_property_of_the_error() -> None:
    assert {c for c in (AuthError, RateLimited, HubOutage, RepoGone, HubUnreachable, HubError)
            if c.stops_run} == {AuthError, RateLimited, HubOutage}
    assert (RepoGone("x").status, RepoGated("x").status, HubUnreachable("x").status) == ("gone", "gated", "error")
