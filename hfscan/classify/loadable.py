"""Method `loadable`, in DuckDB SQL: where could transformers load this model from?

A repo takes the transformers route when its library is transformers (or it has none but its
config names a model type). Its weight files at the repo root (rules.WEIGHT_FILES) are matched
against the loading paths (rules.LOADING_PATHS); a path counts only when the model type has a
class in that framework (the current framework table). One pass computes the paths of both
transformers lines; each line is stored as its own method (`loadable`, `loadable_v5`). Every
other repo keeps its files-method class, with basis `files:<library>`. docs/LOADABLE.md.
"""

from __future__ import annotations

from hfscan.classify.rules import (
    LOADING_PATHS,
    RULES_VERSION,
    TRANSFORMERS_LIBRARIES,
    TRANSFORMERS_LINES,
    WEIGHT_FILES,
)
from hfscan.classify.sql import pt_attributed, quote, safetensors_format, varchar_list

WEIGHT_CASE = "CASE " + " ".join(
    f"WHEN regexp_matches(path, {quote(w.pattern)}) THEN {quote(w.name)}" for w in WEIGHT_FILES) + " END"
PATHS_TABLE = "(VALUES " + ", ".join(
    f"({quote(p.name)}, {quote(p.framework)}, {quote(p.weights)}, "
    f"{varchar_list(p.formats) if p.formats is not None else 'NULL::VARCHAR[]'}, {str(p.single_file).lower()}, "
    f"{quote(p.opt_in) if p.opt_in else 'NULL'}, {rank}, "
    + ", ".join(str(line in p.lines).lower() for line in TRANSFORMERS_LINES) + ")"
    for rank, p in enumerate(LOADING_PATHS)
) + ") AS p(name, framework, weights, formats, single_file, opt_in, rank, " + ", ".join(
    f"line_{i}" for i in range(len(TRANSFORMERS_LINES))) + ")"
OPT_IN_PATHS = tuple(p.name for p in LOADING_PATHS if p.opt_in)
_FRAMEWORK_COLUMN = {"pytorch": "pytorch", "tensorflow": "tensorflow", "flax": "flax"}
_SHORT = {"pytorch": "pt", "tensorflow": "tf", "flax": "jax"}


def _route(alias: str) -> str:
    return (f"(list_contains({varchar_list(TRANSFORMERS_LIBRARIES)}, {alias}.library_name) "
            f"OR ({alias}.library_name IS NULL AND {alias}.config_model_type IS NOT NULL))")


def paths_sql() -> str:
    """Temp table `loadable_paths`: per version in `todo`, the chosen path per framework and line."""
    chosen = []
    for i, _ in enumerate(TRANSFORMERS_LINES):
        for framework, short in _SHORT.items():
            where = f"framework = '{framework}' AND line_{i} AND ft.{_FRAMEWORK_COLUMN[framework]}"
            chosen.append(f"arg_min(name, rank) FILTER ({where}) AS {short}_{i}")
            if framework == "pytorch":
                chosen.append(f"arg_min(attributed, rank) FILTER ({where}) AS pt_attr_{i}")
    return f"""
    WITH v AS (
        SELECT v.version_id, v.model_id, v.sha, v.library_name, v.tags, v.files, v.config_model_type
        FROM repo_versions v JOIN todo USING (version_id)
        WHERE v.files IS NOT NULL AND {_route('v')}
    ), w AS (
        SELECT * FROM (SELECT *, {WEIGHT_CASE} AS weights FROM (SELECT *, unnest(files) AS path FROM v))
        WHERE weights IS NOT NULL
    ), wf AS (
        SELECT w.version_id, w.config_model_type, w.weights, contains(w.path, '-of-') AS sharded,
            CASE WHEN w.weights <> 'safetensors' THEN NULL ELSE {safetensors_format("w", True)} END AS st_format,
            {pt_attributed("w.weights = 'safetensors'", "st_format", True)} AS attributed
        FROM w LEFT JOIN header_probes h ON h.model_id = w.model_id AND h.sha = w.sha AND h.path = w.path
            AND h.status = 'ok'
    ), m AS (
        SELECT wf.version_id, wf.config_model_type, wf.attributed, p.*
        FROM wf JOIN {PATHS_TABLE} ON p.weights = wf.weights
            AND (p.formats IS NULL OR list_contains(p.formats, wf.st_format))
            AND NOT (p.single_file AND wf.sharded)
    ), ft AS (
        SELECT * FROM framework_tables
        WHERE revision = (SELECT value FROM meta WHERE key = 'framework_revision')
    ), chosen AS (
        SELECT m.version_id, {", ".join(chosen)}
        FROM m JOIN ft ON ft.model_type = m.config_model_type
        GROUP BY m.version_id
    ), kinds AS (
        SELECT version_id, list_sort(list_distinct(list(weights))) AS weight_files FROM wf GROUP BY version_id
    )
    SELECT v.version_id, v.config_model_type, ft.model_type IS NOT NULL AS known_type,
           coalesce(ft.pytorch OR ft.tensorflow, false) AS has_class, k.weight_files, c.* EXCLUDE (version_id)
    FROM v LEFT JOIN ft ON ft.model_type = v.config_model_type
    LEFT JOIN chosen c USING (version_id) LEFT JOIN kinds k USING (version_id)
    """


def classes_sql(line_index: int) -> str:
    """Rows for version_classes (method of TRANSFORMERS_LINES[line_index]) for every version in `todo`."""
    method = list(TRANSFORMERS_LINES.values())[line_index]
    i = line_index
    opt_in = varchar_list(OPT_IN_PATHS)
    any_457 = "coalesce(p.pt_0, p.tf_0, p.jax_0) IS NOT NULL"
    cls = (f"CASE WHEN p.pt_{i} IS NOT NULL AND p.tf_{i} IS NOT NULL THEN 'both' "
           f"WHEN p.pt_{i} IS NOT NULL THEN 'pytorch_only' WHEN p.tf_{i} IS NOT NULL THEN 'tensorflow_only' "
           "ELSE 'neither' END")
    reason = f"""CASE WHEN {cls} <> 'neither' THEN NULL
             WHEN p.config_model_type IS NULL THEN 'no_config'
             WHEN NOT p.known_type THEN 'unknown_model_type'
             WHEN NOT p.has_class THEN 'no_framework_class'
             WHEN {i} > 0 AND {any_457} THEN 'removed_in_v5'
             WHEN p.jax_{i} IS NOT NULL THEN 'flax_only'
             ELSE 'no_loadable_weights' END"""
    return f"""
    SELECT t.version_id, {RULES_VERSION}, '{method}',
        CASE WHEN p.version_id IS NULL THEN f.has_pt ELSE p.pt_{i} IS NOT NULL END,
        CASE WHEN p.version_id IS NULL THEN f.has_tf ELSE p.tf_{i} IS NOT NULL END,
        CASE WHEN p.version_id IS NULL THEN f.has_tf_strict
             ELSE p.tf_{i} IS NOT NULL AND NOT list_contains({opt_in}, p.tf_{i}) END,
        CASE WHEN p.version_id IS NULL THEN f.has_jax ELSE p.jax_{i} IS NOT NULL END,
        CASE WHEN p.version_id IS NULL THEN f.class ELSE {cls} END,
        CASE WHEN p.version_id IS NULL THEN f.neither_reason ELSE {reason} END,
        CASE WHEN p.version_id IS NULL THEN f.pt_attributed ELSE coalesce(p.pt_attr_{i}, false) END,
        CASE WHEN p.version_id IS NULL THEN f.formats ELSE coalesce(p.weight_files, []) END,
        p.pt_{i}, p.tf_{i}, p.jax_{i},
        CASE WHEN p.version_id IS NULL THEN 'files:' || coalesce(v.library_name, 'none') ELSE 'transformers' END
    FROM todo t JOIN repo_versions v USING (version_id)
    LEFT JOIN loadable_paths p USING (version_id)
    LEFT JOIN version_classes f ON f.version_id = t.version_id AND f.method = 'files'
        AND f.rules_version = {RULES_VERSION}
    """
