"""Hostile answers for the fake Hub's faults (faults.py lists them): what an endpoint a user may
point anywhere could send. Only the bytes are made here; server.py decides when to send them."""

from __future__ import annotations

import functools
import json
import zlib
from typing import Any

DEPTH = 1100  # deeper than Python's json (recursion limit 1000) and most parsers' default


def deep_json(depth: int = DEPTH) -> str:
    """An object nested `depth` deep, as JSON text (json.dumps itself would hit the recursion limit)."""
    return '{"a":' * depth + "1" + "}" * depth


@functools.cache
def gzip_bomb(size: int) -> bytes:
    """A gzip body that decodes to a JSON array of `size` bytes (spaces compress ~1000:1)."""
    chunk = b" " * (1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: one gzip member (httpx reads only the first)
    parts = [packer.compress(b"[")]
    parts += [packer.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + packer.compress(b"]") + packer.flush()


def deep_safetensors() -> bytes:
    """A safetensors file whose JSON header is nested DEPTH deep (anyone can upload one)."""
    header = deep_json().encode()
    return len(header).to_bytes(8, "little") + header + bytes(16)


def rewrite_body(kind: str, body: bytes, value: str = "") -> bytes:
    """The JSON answer with the fault's damage; answers the fault does not concern pass unchanged."""
    if kind == "non_list":
        return b'{"error": "this is not a list"}'
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        return body
    if kind == "bad_sha" and isinstance(parsed, dict) and "sha" in parsed:
        parsed["sha"] = value
        return json.dumps(parsed).encode()
    if not isinstance(parsed, list) or not parsed or not all(isinstance(i, dict) for i in parsed):
        return body
    middle = len(parsed) // 2
    if kind == "bad_sha" and "date" in parsed[0]:  # a commit log: the newest commit's id
        parsed[0]["id"] = value
    elif kind == "bad_date" and "date" in parsed[0]:
        parsed[middle]["date"] = "the day before yesterday"
    elif kind == "no_path" and "type" in parsed[0]:
        parsed[middle].pop("path", None)
    elif kind == "bigint_item" and "id" in parsed[0] and len(parsed) > 1:
        parsed[middle]["downloads"] = 2**70
        parsed[middle - 1]["siblings"] = "not a list"
    elif kind == "deep_item" and "id" in parsed[0]:
        parsed[middle]["config"] = {"model_type": "bert", "tokenizer_config": "@@DEEP@@"}
        return json.dumps(parsed).encode().replace(b'"@@DEEP@@"', deep_json().encode())
    else:
        return body
    return json.dumps(parsed).encode()
