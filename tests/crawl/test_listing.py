"""Page parsing: the real capture's shape, missing/unknown keys, malformed items, corrupt pages."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from huggingface_hub.utils import get_session

from hfscan.crawl.client import PageParseError
from hfscan.crawl.listing import EXPAND_FIELDS, listing_params, parse_listing_page
from hfscan.testing.fakehub import FakeHub


def _capture(real_data: Path) -> dict:
    return json.loads((real_data / "api_captures" / "google-bert__bert-base-uncased.json").read_text())


def test_real_capture_parses_to_hfscan_columns(real_data: Path) -> None:
    item = _capture(real_data)
    page = parse_listing_page(json.dumps([item]).encode())
    assert page.rejects == []
    row = page.models.to_dicts()[0]
    assert row["model_id"] == "google-bert/bert-base-uncased"
    assert row["hub_id"] == item["_id"]
    assert row["sha"] == item["sha"]
    assert row["created_at"] == datetime(2022, 3, 2, 23, 29, 4)
    assert row["last_modified"] == datetime(2024, 2, 19, 11, 6, 12)
    assert row["files"] == [s["rfilename"] for s in item["siblings"]]
    assert row["tags"] == item["tags"]
    assert row["safetensors_total"] == 110106428
    assert row["gated"] == "false"
    assert row["downloads"] == item["downloads"]
    assert row["library_name"] == "transformers"


def test_missing_null_and_unknown_keys_are_tolerated() -> None:
    items = [
        {"id": "a/one", "siblings": None, "tags": None, "brandNewField": {"x": [1, 2]}},
        {"id": "a/two", "gated": "manual", "gguf": {"total": 7, "architecture": "llama", "context_length": 4096}},
    ]
    page = parse_listing_page(json.dumps(items).encode())
    rows = page.models.to_dicts()
    assert page.rejects == []
    assert [r["model_id"] for r in rows] == ["a/one", "a/two"]
    assert rows[0]["files"] is None and rows[0]["tags"] is None and rows[0]["created_at"] is None
    assert rows[1]["gated"] == "manual"
    assert json.loads(rows[1]["gguf"]) == {"total": 7, "architecture": "llama", "context_length": 4096}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"id": "x/bad", "siblings": "oops"}, "siblings is not a list of {rfilename}"),
        ({"id": "x/bad", "downloads": "many"}, "downloads is not an integer"),
        ({"siblings": []}, "missing id"),
        ({"id": 42, "siblings": "oops"}, "missing or non-string id"),
    ],
)
def test_a_malformed_item_is_rejected_with_its_reason_and_the_rest_kept(bad: dict, reason: str) -> None:
    good = [{"id": f"ok/{i}", "siblings": [{"rfilename": "pytorch_model.bin"}]} for i in range(3)]
    page = parse_listing_page(json.dumps([good[0], bad, good[1], good[2]]).encode())
    assert page.models.get_column("model_id").to_list() == ["ok/0", "ok/1", "ok/2"]
    assert len(page.rejects) == 1
    assert page.rejects[0][0] == reason
    assert json.loads(page.rejects[0][1]) == bad


def test_a_scalar_where_a_list_belongs_is_read_as_a_one_element_list() -> None:
    # polars' tolerant reading; a tag list of one is what such an item means.
    page = parse_listing_page(json.dumps([{"id": "x/one", "tags": "pytorch"}]).encode())
    assert page.models.get_column("tags").to_list() == [["pytorch"]]
    assert page.rejects == []


def test_an_item_without_id_on_a_clean_page_is_rejected() -> None:
    page = parse_listing_page(json.dumps([{"id": "ok/1"}, {"sha": "abc"}]).encode())
    assert page.models.get_column("model_id").to_list() == ["ok/1"]
    assert [r[0] for r in page.rejects] == ["missing id"]


@pytest.mark.parametrize("body", [b'[{"id": "a/b"}, {"id": "c', b"<html><body>502 Bad Gateway</body></html>", b"", b'{"error": "x"}'])
def test_a_page_that_is_not_a_json_array_raises_for_a_retry(body: bytes) -> None:
    with pytest.raises(PageParseError):
        parse_listing_page(body)


def test_listing_params_repeat_expand_keys() -> None:
    params = listing_params("createdAt", 1000)
    assert params[0] == ("sort", "createdAt")
    assert [v for k, v in params if k == "expand"] == list(EXPAND_FIELDS)
    assert ("limit", "1000") in params


def test_the_scan_leaves_the_chat_templates_out(hub: FakeHub) -> None:
    # `expand=gguf` carries each GGUF repo's chat template (0.1-19 KB): hfscan does not ask for it.
    url = f"{hub.url}/api/models"
    ours = get_session().get(url, params=listing_params("createdAt", 1000))
    with_gguf = get_session().get(url, params=[*listing_params("createdAt", 1000), ("expand", "gguf")])
    ggufs = [item for item in with_gguf.json() if "gguf" in item]
    assert ggufs and all(100 <= len(item["gguf"]["chat_template"]) <= 19_000 for item in ggufs)
    # (`expand=config` does bring the chat templates of tokenizer configs: docs/LOADABLE.md, "Cost".)
    assert all("gguf" not in item for item in ours.json())
    assert len(ours.content) < len(with_gguf.content) - 100 * len(ggufs)
