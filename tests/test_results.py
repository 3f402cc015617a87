"""hfscan.results.jsonable: a typed result becomes the `--json` object, keys in field order; INLINE
details and OMIT_NONE keys appear only when set (tests/golden pins the shapes of the real results)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hfscan.results import INLINE, OMIT_NONE, json_key, jsonable


@dataclass(frozen=True)
class Detail:
    note: str
    probed: int


@dataclass(frozen=True)
class Result:
    method: str
    class_: str = field(metadata=json_key("class"))
    files: list[str] | None = field(default=None, metadata=OMIT_NONE)
    total: int | None = None  # a plain None is printed as null
    detail: Detail | None = field(default=None, metadata=INLINE)


def test_keys_in_field_order_with_their_json_names() -> None:
    assert list(jsonable(Result("files", "both"))) == ["method", "class", "total"]
    assert jsonable(Result("files", "both")) == {"method": "files", "class": "both", "total": None}


def test_inline_details_and_omitted_keys_appear_only_when_set() -> None:
    got = jsonable(Result("header", "neither", ["a.bin"], 3, Detail("sampled", 20)))
    assert list(got.items()) == [("method", "header"), ("class", "neither"), ("files", ["a.bin"]), ("total", 3),
                                 ("note", "sampled"), ("probed", 20)]


def test_nested_results_lists_and_maps() -> None:
    got = jsonable({"a": [Result("tags", "pytorch_only")], 1: (Detail("x", 1),)})
    assert got == {"a": [{"method": "tags", "class": "pytorch_only", "total": None}], "1": [{"note": "x", "probed": 1}]}
