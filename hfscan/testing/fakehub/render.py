"""Models → the Hub's JSON shapes (listing items, model info, tree entries, commits, file bodies)."""

from __future__ import annotations

import hashlib
import json
import struct
from typing import Any

from hfscan.testing.fakehub import configs
from hfscan.testing.fakehub.population import Commit, Model, iso

# Every key a listing's `expand` accepts (docs/HUB_PROTOCOL.md); unknown ones are a 400. The Hub
# takes `baseModels`, `childrenModelCount` and `usedStorage` only on /api/models/{id}, never here.
LISTING_EXPAND = {
    "author", "cardData", "config", "createdAt", "disabled", "downloads", "downloadsAllTime", "evalResults",
    "gated", "gguf", "inference", "inferenceProviderMapping", "lastModified", "library_name", "likes",
    "mask_token", "model-index", "pipeline_tag", "private", "resourceGroup", "safetensors", "sha",
    "siblings", "spaces", "tags", "transformersInfo", "trendingScore", "widgetData",
}
DEFAULT_KEYS = ("likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag", "library_name",
                "createdAt")
FULL_KEYS = (*DEFAULT_KEYS, "author", "sha", "lastModified", "gated", "disabled", "siblings", "safetensors",
             "gguf")
LFS_SUFFIXES = (".bin", ".safetensors", ".h5", ".msgpack", ".onnx", ".gguf", ".keras", ".tflite", ".pt",
                ".pth", ".ckpt", ".joblib", ".pb", ".mlmodel", ".ot")


def downloads(model: Model, epoch: int) -> int:
    """Counters drift between epochs (so a downloads-sorted crawl can skip or repeat models)."""
    return model.downloads + (model.index * 7919 + epoch * 104729) % (1 + model.downloads // 10) * epoch


def value(model: Model, key: str, epoch: int, commit: Commit | None = None) -> Any:
    commit = commit or model.head
    if key == "author":
        return model.author
    if key == "createdAt":
        return iso(model.created_at)
    if key == "lastModified":
        return iso(commit.date)
    if key == "sha":
        return commit.sha
    if key in ("private", "disabled"):
        return False
    if key == "gated":
        return model.gated
    if key == "downloads":
        return downloads(model, epoch)
    if key == "downloadsAllTime":
        return downloads(model, epoch) * 4 + model.likes
    if key == "likes":
        return model.likes
    if key == "library_name":
        return model.library_name
    if key == "pipeline_tag":
        return model.pipeline_tag
    if key == "tags":
        return model.tags(commit)
    if key == "siblings":
        return [{"rfilename": name} for name in model.files(commit)]
    if key == "safetensors":
        if not any(model.header_format(f, commit) is not False for f in model.files(commit)):
            return None
        total = 1_000_000 + model.index * 37 % 7_000_000_000
        return {"parameters": {"F32": total}, "total": total}
    if key == "gguf":
        if not any(name.endswith(".gguf") for name in model.files(commit)):
            return None
        return gguf(model)
    if key == "trendingScore":
        return 0
    if key == "config":
        return configs.config_object(model.model_type, model.library_name, model.index)
    if key in ("cardData", "transformersInfo"):
        return {} if model.library_name == "transformers" else None
    if key == "spaces":
        return []
    return None


_TEMPLATE_TURN = ("{%- if message['role'] == 'ROLE' %}{{ '<|start_header_id|>ROLE<|end_header_id|>\\n\\n' "
                  "+ message['content'] | trim + '<|eot_id|>' }}{%- endif %}\n")


def gguf(model: Model) -> dict[str, Any]:
    """The `gguf` object as the Hub serves it: a few numbers, then the chat template embedded in the
    file, whose size decides the page's (0.1 to 19 KB a repo, log-uniform here)."""
    seed = int(hashlib.blake2b(model.id.encode(), digest_size=4).hexdigest(), 16)
    size = int(100 * 190 ** ((seed % 10_000) / 10_000))
    roles = ("system", "user", "assistant", "tool", "ipython")
    body = "".join(_TEMPLATE_TURN.replace("ROLE", roles[k % len(roles)]) for k in range(size // 140 + 1))
    template = ("{{- bos_token }}\n{%- for message in messages %}\n" + body)[:size] + "{%- endfor %}"
    return {"total": 1_000_000_000 + seed % 70_000_000_000, "architecture": ("llama", "qwen2", "gemma3")[seed % 3],
            "context_length": (4096, 8192, 32768, 131072)[seed % 4], "chat_template": template,
            "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}


def listing_item(model: Model, epoch: int, expand: list[str], full: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"_id": model.hub_id, "id": model.id}
    keys = expand if expand else (FULL_KEYS if full else (*DEFAULT_KEYS, "modelId"))
    for key in keys:
        if key == "modelId":
            item[key] = model.id
            continue
        found = value(model, key, epoch)
        if found is not None:  # the Hub omits keys it has no value for
            item[key] = found
    return item


def file_size(model: Model, path: str, commit: Commit) -> int:
    if path.endswith(".safetensors"):
        return len(safetensors_file(model, path, commit))
    if path.endswith(LFS_SUFFIXES):
        return 1_000_000 + int(hashlib.blake2b(f"{model.id}/{path}".encode(), digest_size=4).hexdigest(), 16) % 500_000_000
    return len(file_body(model, path, commit))


def is_lfs(path: str) -> bool:
    return path.endswith(LFS_SUFFIXES)


def _oid(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


def info(model: Model, epoch: int, commit: Commit, blobs: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"_id": model.hub_id, "id": model.id, "modelId": model.id}
    for key in FULL_KEYS:
        found = value(model, key, epoch, commit)
        if found is not None:
            item[key] = found
    if blobs:
        siblings = []
        for name in model.files(commit):
            entry: dict[str, Any] = {"rfilename": name, "size": file_size(model, name, commit),
                                     "blobId": _oid(model.id, name, commit.readme_rev)}
            if is_lfs(name):
                entry["lfs"] = {"size": entry["size"], "sha256": hashlib.sha256(name.encode()).hexdigest(),
                                "pointerSize": 134}
            siblings.append(entry)
        item["siblings"] = siblings
    item["usedStorage"] = sum(file_size(model, n, commit) for n in model.files(commit) if is_lfs(n))
    return item


def tree(model: Model, commit: Commit, under: str, recursive: bool) -> list[dict[str, Any]]:
    prefix = f"{under.strip('/')}/" if under.strip("/") else ""
    entries: dict[str, dict[str, Any]] = {}
    for name in model.files(commit):
        if not name.startswith(prefix):
            continue
        rest = name[len(prefix):]
        if not recursive and "/" in rest:
            folder = prefix + rest.split("/")[0]
            entries.setdefault(folder, {"type": "directory", "oid": _oid(model.id, folder), "size": 0,
                                        "path": folder})
            continue
        if recursive:
            parts = rest.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                folder = prefix + "/".join(parts[:depth])
                entries.setdefault(folder, {"type": "directory", "oid": _oid(model.id, folder), "size": 0,
                                            "path": folder})
        size = file_size(model, name, commit)
        entry: dict[str, Any] = {"type": "file", "oid": _oid(model.id, name, commit.readme_rev), "size": size,
                                 "path": name}
        if is_lfs(name):
            entry["lfs"] = {"oid": hashlib.sha256(f"{model.id}/{name}".encode()).hexdigest(), "size": size,
                            "pointerSize": 134}
        entries[name] = entry
    return sorted(entries.values(), key=lambda e: (e["type"] != "directory", e["path"]))


def commit_item(commit: Commit) -> dict[str, Any]:
    return {"id": commit.sha, "title": commit.title, "message": commit.title + "\n",
            "authors": [{"user": commit.author, "avatar": None}], "date": iso(commit.date)}


def safetensors_file(model: Model, path: str, commit: Commit) -> bytes:
    """A real safetensors file: 8-byte little-endian header length, the JSON header, the data."""
    fmt = model.header_format(path, commit)
    elements = 256 + model.index % 5 * 64
    header: dict[str, Any] = {"weight": {"dtype": "F32", "shape": [elements], "data_offsets": [0, elements * 4]}}
    if fmt:
        header["__metadata__"] = {"format": fmt}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # the writers pad the header to 8 bytes
    return struct.pack("<Q", len(raw)) + raw + bytes(elements * 4)


def file_body(model: Model, path: str, commit: Commit) -> bytes:
    if path.endswith(".safetensors"):
        return safetensors_file(model, path, commit)
    if path.endswith(".safetensors.index.json"):
        shards = [f for f in model.files(commit) if f.endswith(".safetensors")]
        weight_map = {f"layers.{k}.weight": name for k, name in enumerate(shards)}
        return json.dumps({"metadata": {"total_size": 1024 * len(shards)}, "weight_map": weight_map}).encode()
    if path == "README.md":
        library = f"library_name: {model.library_name}\n" if model.library_name else ""
        return f"---\n{library}---\n\n# {model.id}\n\nrevision {commit.readme_rev}\n".encode()
    if path.endswith(".json"):
        return json.dumps({"architectures": ["FakeModel"], "name": model.name}).encode()
    return bytes(64)
