"""SQL pieces the classifying queries share (classify/versions.py, classify/loadable.py), built
from the rules in classify/rules.py so that each rule is written once."""

from __future__ import annotations

from collections.abc import Iterable

from hfscan.classify.rules import HEADER_FORMATS, PT_FIRST_LIBRARIES


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def varchar_list(values: Iterable[str]) -> str:
    """A SQL VARCHAR[] literal."""
    return "[" + ", ".join(quote(v) for v in values) + "]::VARCHAR[]"


# The format a probed safetensors header names (`h`: the joined header_probes row), NULL when unprobed.
HEADER_CASE = "CASE h.format " + " ".join(
    f"WHEN {quote(k)} THEN {quote(v)}" for k, v in HEADER_FORMATS.items()) + " END"


def safetensors_format(row: str, use_header: bool) -> str:
    """The framework of one safetensors file of `row` (a relation with library_name and tags): the
    probed header's format when there is one, else mlx by library or tag, else PyTorch for the
    libraries that write PyTorch safetensors only, else `safetensors_unknown`."""
    pt_first = varchar_list(PT_FIRST_LIBRARIES)
    header = f"WHEN {HEADER_CASE} IS NOT NULL THEN {HEADER_CASE} " if use_header else ""
    return (f"CASE {header}"
            f"WHEN {row}.library_name = 'mlx' OR list_contains({row}.tags, 'mlx') THEN 'mlx' "
            f"WHEN list_contains({pt_first}, {row}.library_name) OR list_has_any({row}.tags, {pt_first}) "
            "THEN 'pytorch' ELSE 'safetensors_unknown' END")


def pt_attributed(is_safetensors: str, resolved: str, use_header: bool) -> str:
    """True when PyTorch comes from the library attribution above, not from a header or a file name."""
    return f"{is_safetensors} AND {resolved} = 'pytorch'" + (f" AND {HEADER_CASE} IS NULL" if use_header else "")
