"""Library results as JSON values: the one mapping from a typed result to the `--json` shape.

Library functions return frozen dataclasses; the CLI prints them with `jsonable` (tests/golden/*.json
pin the shapes). A field's metadata says how it appears, where a name or an optional key needs it:

- `json_key("class")`: the key differs from the field's name (`class` cannot be a field);
- `INLINE`: a nested dataclass whose fields are keys of the parent, in place (nothing when None),
  e.g. the details only method `loadable` has;
- `OMIT_NONE`: the key is left out when the value is None (a key only some results carry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from typing import Any

INLINE: Mapping[str, Any] = {"inline": True}
OMIT_NONE: Mapping[str, Any] = {"omit_none": True}


def json_key(name: str) -> Mapping[str, Any]:
    return {"json": name}


def jsonable(value: Any) -> Any:
    """Library results (dataclasses, dicts, lists, polars frames) as plain JSON values."""
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if item is None and (f.metadata.get("omit_none") or f.metadata.get("inline")):
                continue
            if f.metadata.get("inline"):
                out.update(jsonable(item))
            else:
                out[f.metadata.get("json", f.name)] = jsonable(item)
        return out
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "to_dicts"):  # a polars DataFrame
        return jsonable(value.to_dicts())
    return value
