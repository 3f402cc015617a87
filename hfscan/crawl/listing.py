"""A listing page (raw JSON bytes) → one polars frame of models, plus the items it had to reject.

The fast path is one ``polars.read_json`` call with a fixed schema: missing and null keys become
nulls, unknown keys are ignored, no Python runs per model or per file. When polars refuses a page
that is still valid JSON (an item with a wrong type), the slow path checks item by item, keeps the
good ones and returns the bad ones with a reason and their raw JSON. Bytes that are not a JSON
array at all (truncated, an HTML error page) raise ``PageParseError`` so the client fetches again.
"""

from __future__ import annotations

import contextlib
import io
import json
import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import polars as pl

from hfscan.crawl.client import Page, PageParseError
from hfscan.model_row import COLUMNS

# What `hfscan scan` asks the listing for (docs/HUB_PROTOCOL.md, "Listing pages", lists the valid
# `expand` values). Not `gguf`: the Hub sends each GGUF repo's whole chat template with it (0.1-19 KB
# a repo, +78% on a recent page) and nothing narrower exists; that a repo ships GGUF weights is in
# its `siblings`. The `gguf` column stays for older snapshots and is NULL from new scans.
# `config` gives `model_type` and `architectures` for the `loadable` method (docs/LOADABLE.md has
# what it costs: the Hub sends the config's `tokenizer_config`, chat template included, with it).
EXPAND_FIELDS = (
    "siblings", "tags", "library_name", "pipeline_tag", "createdAt", "lastModified", "sha", "author",
    "downloads", "downloadsAllTime", "likes", "gated", "private", "disabled", "safetensors", "config",
)

_GGUF = pl.Struct({"total": pl.Int64, "architecture": pl.String, "context_length": pl.Int64})

WIRE_SCHEMA: dict[str, Any] = {
    "_id": pl.String,
    "id": pl.String,
    "author": pl.String,
    "sha": pl.String,
    "createdAt": pl.String,
    "lastModified": pl.String,
    "private": pl.Boolean,
    "gated": pl.String,
    "disabled": pl.Boolean,
    "downloads": pl.Int64,
    "downloadsAllTime": pl.Int64,
    "likes": pl.Int64,
    "library_name": pl.String,
    "pipeline_tag": pl.String,
    "tags": pl.List(pl.String),
    "siblings": pl.List(pl.Struct({"rfilename": pl.String})),
    "safetensors": pl.Struct({"total": pl.Int64}),
    "gguf": _GGUF,
    # Only the two keys hfscan stores; the rest of the object (tokenizer_config, auto_map, ...) is ignored.
    "config": pl.Struct({"model_type": pl.String, "architectures": pl.List(pl.String)}),
}

_HUB_DATE = "%Y-%m-%dT%H:%M:%S%.fZ"


@dataclass
class ParsedPage:
    models: pl.DataFrame
    rejects: list[tuple[str, str]]  # (reason, raw JSON of the item)


def _hub_date(value: pl.Expr) -> pl.Expr:
    return value.str.to_datetime(_HUB_DATE, time_unit="us", strict=False)


# How a wire value becomes a column's value, when a rename is not enough (keyed by column name;
# the argument is `pl.col(column.wire_key)`).
_PARSERS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "created_at": _hub_date,
    "last_modified": _hub_date,
    "files": lambda siblings: siblings.list.eval(pl.element().struct.field("rfilename")),
    "safetensors_total": lambda safetensors: safetensors.struct.field("total"),
    "gguf": lambda gguf: pl.when(gguf.is_not_null()).then(gguf.struct.json_encode()),
    "config_model_type": lambda config: config.struct.field("model_type"),
    "config_architectures": lambda config: config.struct.field("architectures"),
}


def _to_models(wire: pl.DataFrame) -> pl.DataFrame:
    """Wire names and shapes → hfscan's columns (model_row.py), in that order."""
    return wire.select([
        _PARSERS.get(c.name, lambda value: value)(pl.col(c.wire_key)).alias(c.name) for c in COLUMNS
    ])


def _split_missing_ids(models: pl.DataFrame, body: bytes | None) -> ParsedPage:
    """Items without an id cannot be stored: reject them with their original JSON (rare: re-read)."""
    bad = models.select(pl.col("model_id").is_null() | (pl.col("model_id") == "")).to_series()
    if not bad.any():
        return ParsedPage(models, [])
    items: Any = None
    if body is not None:
        with contextlib.suppress(RecursionError):  # an item nested too deep elsewhere on the page
            items = json.loads(body)
    if items is not None:
        raws = [_raw(items[i]) for i in bad.arg_true().to_list()]
    else:
        raws = [json.dumps(row, default=str) for row in models.filter(bad).to_dicts()]
    return ParsedPage(models.filter(~bad), [("missing id", raw) for raw in raws])


def parse_listing_page(body: bytes) -> ParsedPage:
    """Parse one `/api/models` page. Raises PageParseError when the bytes are not a JSON array."""
    stripped = body.lstrip()
    if not stripped.startswith(b"["):
        preview = stripped[:40].decode("utf-8", "replace")
        raise PageParseError(f"expected a JSON array, got {preview!r}")
    try:
        wire = pl.read_json(io.BytesIO(body), schema=WIRE_SCHEMA)
    except Exception:
        return _parse_item_by_item(body)
    return _split_missing_ids(_to_models(wire), body)


def _item_problem(item: Any) -> str | None:
    """Why an item cannot be stored, or None. Only reached on pages polars refused."""
    if not isinstance(item, dict):
        return f"item is a {type(item).__name__}, not an object"
    if not isinstance(item.get("id"), str) or not item["id"]:
        return "missing or non-string id"
    siblings = item.get("siblings")
    if siblings is not None and (
        not isinstance(siblings, list)
        or not all(isinstance(s, dict) and isinstance(s.get("rfilename"), str) for s in siblings)
    ):
        return "siblings is not a list of {rfilename}"
    tags = item.get("tags")
    if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)):
        return "tags is not a list of strings"
    for key in ("downloads", "downloadsAllTime", "likes"):
        value = item.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            return f"{key} is not an integer"
        if value is not None and not -2**63 <= value < 2**63:
            return f"{key} is wider than 64 bits"
    for key in ("private", "disabled"):
        if item.get(key) is not None and not isinstance(item[key], bool):
            return f"{key} is not a boolean"
    for key in ("safetensors", "gguf"):
        if item.get(key) is not None and not isinstance(item[key], dict):
            return f"{key} is not an object"
    for key in ("_id", "sha", "author", "createdAt", "lastModified", "library_name", "pipeline_tag"):
        if item.get(key) is not None and not isinstance(item[key], str):
            return f"{key} is not a string"
    return None


class ConfigFields(TypedDict):
    """The `config` struct column of a listing frame: a row of the page's JSON on its way into
    polars (which builds the struct from the dict), not a result read by another layer."""

    model_type: str | None
    architectures: list[str] | None


def _config_fields(config: Any) -> ConfigFields | None:
    """The stored part of a `config` object; a value of another type is dropped, never the model
    (a config is user-written JSON: its model_type may be anything)."""
    if not isinstance(config, dict):
        return None
    model_type = config.get("model_type")
    architectures = config.get("architectures")
    if not (isinstance(architectures, list) and all(isinstance(a, str) for a in architectures)):
        architectures = None
    return ConfigFields(model_type=model_type if isinstance(model_type, str) else None, architectures=architectures)


# A JSON string or a bracket: enough to find where each top-level item of an array starts and ends
# without parsing it (no recursion, whatever its depth).
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')

RAW_KEPT = 100_000  # characters of a rejected item's JSON kept in `rejects`


def _raw_items(body: bytes) -> list[bytes]:
    """The object and array items of a top-level JSON array, as raw bytes (scalars are skipped)."""
    items: list[bytes] = []
    depth, start = 0, -1
    for token in _JSON_TOKEN.finditer(body):
        mark = token.group()
        if mark in (b"[", b"{"):
            depth += 1
            if depth == 2:
                start = token.start()
        elif mark in (b"]", b"}"):
            if depth == 2:
                items.append(body[start:token.end()])
            depth -= 1
    return items


def _load_items(body: bytes) -> tuple[list[Any], list[tuple[str, str]]]:
    """The page's items; an item nested deeper than Python's parser goes (recursion limit) is
    rejected alone, with the start of its raw JSON."""
    try:
        items = json.loads(body)
    except RecursionError:
        parsed: list[Any] = []
        rejects: list[tuple[str, str]] = []
        for raw in _raw_items(body):
            try:
                parsed.append(json.loads(raw))
            except (RecursionError, ValueError):
                rejects.append(("nested too deep or not JSON", raw[:RAW_KEPT].decode("utf-8", "replace")))
        return parsed, rejects
    except json.JSONDecodeError as e:
        raise PageParseError(f"invalid JSON ({e.msg} at byte {e.pos})") from e
    except ValueError as e:  # bytes that are not UTF-8
        raise PageParseError(f"invalid JSON ({e})") from e
    if not isinstance(items, list):
        raise PageParseError("expected a JSON array")
    return items, []


# One model of a listing page as the Hub sent it (checked by _item_problem): JSON on its way into a
# polars frame (WIRE_SCHEMA), never read by another layer.
HubModelItem = dict[str, Any]


def _wire_frame(items: list[HubModelItem]) -> pl.DataFrame:
    return pl.DataFrame([{k: item.get(k) for k in WIRE_SCHEMA} for item in items], schema=WIRE_SCHEMA, strict=False)


def _parse_item_by_item(body: bytes) -> ParsedPage:
    items, rejects = _load_items(body)
    good: list[HubModelItem] = []
    for item in items:
        problem = _item_problem(item)
        if problem is None:
            gated = item.get("gated")
            good.append({**item, "gated": None if gated is None else str(gated).lower(),
                         "config": _config_fields(item.get("config"))})
        else:
            rejects.append((problem, _raw(item)))
    try:
        wire = _wire_frame(good)
    except Exception:
        # A value the checks above let through but the schema cannot hold (an integer wider than
        # 64 bits, a nested value of the wrong type): find the items one by one (rare: this page only).
        fits = []
        for item in good:
            try:
                _wire_frame([item])
                fits.append(item)
            except Exception as e:
                rejects.append((f"does not fit the schema: {str(e).splitlines()[0][:80]}", _raw(item)))
        wire = _wire_frame(fits)
    page = _split_missing_ids(_to_models(wire), None)
    return ParsedPage(page.models, rejects + page.rejects)


def _raw(item: Any) -> str:
    try:
        return json.dumps(item, default=str)[:RAW_KEPT]
    except (RecursionError, ValueError):
        return repr(item)[:RAW_KEPT]


def listing_params(sort: str, page_size: int) -> list[tuple[str, str]]:
    """Query parameters for a listing: repeated `expand` keys, as huggingface_hub sends them."""
    return [("sort", sort), *(("expand", f) for f in EXPAND_FIELDS), ("limit", str(page_size))]


# Page sizes a listing falls back to when a page keeps failing (huggingface.js lists 500 a page).
SMALLER_PAGES = (500, 250)


def smaller_page(url: str) -> str | None:
    """The same listing URL asking for the next smaller page (SMALLER_PAGES), or None at the smallest.

    Safe mid-crawl: the cursor in the URL is a keyset ({sort key, _id}), not an offset, so the next
    page starts after the same model whatever its size (docs/HUB_PROTOCOL.md, "Listing pages").
    """
    split = urlsplit(url)
    pairs = parse_qsl(split.query, keep_blank_values=True)
    current = next((int(v) for k, v in pairs if k == "limit" and v.isdigit()), 1000)
    smaller = next((size for size in SMALLER_PAGES if size < current), None)
    if smaller is None:
        return None
    pairs = [(k, v) for k, v in pairs if k != "limit"] + [("limit", str(smaller))]
    return urlunsplit(split._replace(query=urlencode(pairs)))


def page_is_past(parsed: ParsedPage, stop_before: datetime | None) -> bool:
    if stop_before is None or parsed.models.height == 0:
        return False
    # Listed newest first: once a page reaches below the mark, every later page is older still.
    oldest_on_page = parsed.models.get_column("last_modified").min()
    return isinstance(oldest_on_page, datetime) and oldest_on_page < stop_before


def prefetch(pages: Iterator[Page], depth: int = 2) -> Iterator[Page]:
    """Run the page iterator in a thread, ``depth`` pages ahead of the consumer."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                if stop.is_set():
                    return
                box.put(("page", page))
            box.put(("end", None))
        except BaseException as e:  # handed to the consumer, raised there
            box.put(("error", e))

    worker = threading.Thread(target=produce, name="hfscan-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = box.get()
            if kind == "page":
                yield item
            elif kind == "error":
                raise item
            else:
                return
    finally:
        stop.set()
