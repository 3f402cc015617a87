"""The `config` the fake Hub plants in transformers repos: a real model type, drawn in the
proportions of the framework table (hfscan's vendored transformers 4.57.6 table), so the share of
model types with a TensorFlow or Flax class is the real one (71 and 40 of 421).

The legacy S3 models (real ids from before the Hub had namespaces) get the model type their name
says (`bert-base-uncased` → bert, `gpt2-medium` → gpt2, ...: NAME_TYPES); planted cases: a repo
whose config has no model_type (MISSING_SHARE) and a custom model type no table knows
(UNKNOWN_SHARE). Everything is derived from (seed, index) by hashing, never from the population's
random stream, so adding configs changed no other planted answer.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

MISSING_SHARE = 0.03
UNKNOWN_SHARE = 0.01
UNKNOWN_TYPE = "acme_custom"   # trust_remote_code-style type: in no framework table
CONFIG_LIBRARIES = ("transformers", "sentence-transformers")
# Ordered: the first pattern found in the lower-cased model name wins (specific before generic).
NAME_TYPES: tuple[tuple[str, str], ...] = (
    ("xlm-roberta", "xlm-roberta"), ("distilroberta", "roberta"), ("distilbert", "distilbert"),
    ("camembert", "camembert"), ("flaubert", "flaubert"), ("albert", "albert"), ("roberta", "roberta"),
    ("deberta", "deberta"), ("electra", "electra"), ("bert", "bert"), ("distilgpt2", "gpt2"), ("gpt2", "gpt2"),
    ("openai-gpt", "openai-gpt"), ("transfo-xl", "transfo-xl"), ("xlnet", "xlnet"), ("xlm", "xlm"),
    ("ctrl", "ctrl"), ("opus-mt", "marian"), ("bart", "bart"), ("t5", "t5"), ("wav2vec2", "wav2vec2"),
    ("longformer", "longformer"), ("pegasus", "pegasus"), ("mbart", "mbart"),
)


class FrameworkRow(NamedTuple):
    model_type: str
    pytorch: bool
    tensorflow: bool
    flax: bool
    processor: str | None


@lru_cache(maxsize=1)
def vendored_rows() -> tuple[FrameworkRow, ...]:
    """The vendored table's data, read here with the fake's own parser (it shares no code with hfscan)."""
    text = resources.files("hfscan.classify").joinpath("data", "frameworks_4.57.6.jsonl").read_text(encoding="utf-8")
    return tuple(FrameworkRow(**json.loads(line)) for line in text.splitlines() if line.strip())


@lru_cache(maxsize=1)
def table() -> dict[str, FrameworkRow]:
    return {row.model_type: row for row in vendored_rows()}


def _u(seed: int, index: int, salt: str) -> float:
    digest = hashlib.blake2b(f"{seed}:{index}:{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def type_from_name(model_id: str) -> str | None:
    name = model_id.rsplit("/", 1)[-1].lower()
    return next((model_type for pattern, model_type in NAME_TYPES if pattern in name), None)


# Repos without a library whose config.json names a model type, but whose weights transformers never
# finds (`weights/<name>.pth`): the transformers route, reason no_loadable_weights.
PLAIN_CONFIG_SHARE = 0.2


def plant(seed: int, index: int, model_id: str, library: str | None, has_weights: bool, real: bool,
          category: str = "") -> str | None:
    """The config model_type of one repo (None: no config, or one without model_type)."""
    if library is None and category == "pt_plain" and _u(seed, index, "plain-config") < PLAIN_CONFIG_SHARE:
        types = sorted(table())
        return types[int(_u(seed, index, "model_type") * len(types))]
    if library not in CONFIG_LIBRARIES or not has_weights:
        return None
    roll = _u(seed, index, "config")
    if roll < MISSING_SHARE:
        return None
    if roll < MISSING_SHARE + UNKNOWN_SHARE:
        return UNKNOWN_TYPE
    if real and (named := type_from_name(model_id)):
        return named
    types = sorted(table())
    return types[int(_u(seed, index, "model_type") * len(types))]


def architectures(model_type: str) -> list[str]:
    return ["".join(part.capitalize() for part in model_type.replace("-", "_").split("_")) + "Model"]


def config_object(model_type: str | None, library: str | None, index: int) -> dict[str, Any] | None:
    """The listing's `config` as the Hub sends it: model_type and architectures, and the tokenizer
    config (a chat template for some repos) that makes `expand=config` cost bytes."""
    if library not in CONFIG_LIBRARIES and model_type is None:
        return None
    if model_type is None:
        return {}
    out: dict[str, Any] = {"architectures": architectures(model_type), "model_type": model_type,
                           "tokenizer_config": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}}
    if index % 5 == 0:  # chat models carry their template (0.5-4 KB here)
        turn = "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}"
        out["tokenizer_config"]["chat_template"] = "{% for message in messages %}" + turn * (
            5 + index % 40) + "{% endfor %}"
    return out
