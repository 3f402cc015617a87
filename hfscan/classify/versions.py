"""Vectorised classification of stored repo versions, in DuckDB SQL.

Files are unnested, matched against the rule table (rules.py → one CASE), safetensors resolved
(header, then mlx, then PyTorch-first library, else unknown), and aggregated per version into
`version_classes` (one row per version × method × rules_version) and `file_evidence`. Work goes in
chunks of version ids, each in its own transaction, so 50M file names run in flat memory and an
interrupted run keeps what it finished.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb

from hfscan.classify import frameworks, loadable
from hfscan.classify.rules import (
    CANDIDATE_PATTERN,
    FAMILY,
    LOADABLE_METHODS,
    RULES,
    RULES_VERSION,
)
from hfscan.classify.sql import pt_attributed, quote, safetensors_format
from hfscan.results import json_key
from hfscan.store import aggregates, inputs, scratch
from hfscan.store.schema import first_row, transaction

CHUNK_VERSIONS = 200_000
CLASS_COLUMNS = ("version_id, rules_version, method, has_pt, has_tf, has_tf_strict, has_jax, class, "
                 "neither_reason, pt_attributed, formats")




RULE_CASE = "CASE " + " ".join(
    f"WHEN regexp_matches(p, {quote(rule.pattern)}) THEN {quote(rule.name)}" for rule in RULES
) + " END"
RULE_TABLE = "(VALUES " + ", ".join(f"({quote(r.name)}, {quote(r.format)})" for r in RULES) + ") AS r(rule, format)"
FAMILY_CASE = "CASE resolved_format " + " ".join(
    f"WHEN {quote(k)} THEN {quote(v)}" for k, v in FAMILY.items()) + " END"


def _matched_sql(use_header: bool) -> str:
    """Weight files (and excluded ones) of the versions in `todo`, with resolved formats."""
    header_join = ""
    if use_header:
        header_join = ("LEFT JOIN header_probes h ON h.model_id = f.model_id AND h.sha = f.sha "
                       "AND h.path = f.path AND h.status = 'ok'")
    return f"""
    WITH unnested AS (
        SELECT v.version_id, v.model_id, v.sha, v.library_name, v.tags, unnest(v.files) AS path
        FROM repo_versions v JOIN todo USING (version_id)
        WHERE v.files IS NOT NULL
    ), candidates AS (
        SELECT *, lower(path) AS p FROM unnested
        WHERE regexp_matches(lower(path), {quote(CANDIDATE_PATTERN)})
    ), ruled AS (
        SELECT c.*, {RULE_CASE} AS rule FROM candidates c
    ), f AS (
        SELECT ruled.*, r.format FROM ruled JOIN {RULE_TABLE} USING (rule)
    )
    SELECT f.version_id, f.path, f.format, f.rule,
        CASE WHEN f.format <> 'safetensors' THEN f.format
            ELSE {safetensors_format("f", use_header)} END AS resolved_format,
        {pt_attributed("f.format = 'safetensors'", "resolved_format", use_header)} AS attributed
    FROM f {header_join}
    """


def _classes_sql(method: str) -> str:
    return f"""
    WITH w AS (
        SELECT *, {FAMILY_CASE} AS family FROM matched WHERE format <> 'excluded'
    ), agg AS (
        SELECT version_id,
            bool_or(family = 'PT') AS has_pt,
            bool_or(family = 'TF') AS has_tf,
            bool_or(resolved_format = 'tensorflow') AS has_tf_strict,
            bool_or(resolved_format = 'flax') AS has_jax,
            bool_or(family = 'PT' AND NOT attributed) AS pt_direct,
            list_sort(list_distinct(list(resolved_format))) AS formats
        FROM w GROUP BY version_id
    )
    SELECT t.version_id, {RULES_VERSION}, '{method}',
        coalesce(a.has_pt, false), coalesce(a.has_tf, false), coalesce(a.has_tf_strict, false),
        coalesce(a.has_jax, false),
        CASE WHEN a.has_pt AND a.has_tf THEN 'both' WHEN a.has_pt THEN 'pytorch_only'
             WHEN a.has_tf THEN 'tensorflow_only' ELSE 'neither' END,
        CASE WHEN a.has_pt OR a.has_tf THEN NULL
             WHEN a.formats IS NULL THEN 'no_weights'
             WHEN len(a.formats) = 1 THEN a.formats[1] ELSE 'mixed' END,
        coalesce(a.has_pt AND NOT a.pt_direct, false),
        coalesce(a.formats, [])
    FROM todo t LEFT JOIN agg a USING (version_id)
    """


TAGS_SQL = f"""
SELECT v.version_id, {RULES_VERSION}, 'tags', list_contains(v.tags, 'pytorch'), list_contains(v.tags, 'tf'),
    list_contains(v.tags, 'tf'), list_contains(v.tags, 'jax'),
    CASE WHEN list_contains(v.tags, 'pytorch') AND list_contains(v.tags, 'tf') THEN 'both'
         WHEN list_contains(v.tags, 'pytorch') THEN 'pytorch_only'
         WHEN list_contains(v.tags, 'tf') THEN 'tensorflow_only' ELSE 'neither' END,
    CASE WHEN NOT (list_contains(v.tags, 'pytorch') OR list_contains(v.tags, 'tf')) THEN 'no_framework_tag' END,
    false,
    list_filter(['pytorch', 'tf', 'jax', 'safetensors', 'onnx', 'gguf', 'keras', 'tflite', 'mlx', 'coreml'],
                lambda x: list_contains(v.tags, x))
FROM repo_versions v JOIN todo USING (version_id)
"""


# Which versions each method can classify at all, and which ones still lack its class.
_APPLIES = {
    "files": "v.files IS NOT NULL",
    "tags": "v.tags IS NOT NULL",
    "header": ("EXISTS (SELECT 1 FROM header_probes h WHERE h.model_id = v.model_id AND h.sha = v.sha "
               "AND h.status = 'ok')"),
    **dict.fromkeys(LOADABLE_METHODS, "v.files IS NOT NULL"),
}
METHOD_ORDER = ("files", "tags", "header", *LOADABLE_METHODS)  # loadable reads the files class


# What a class row records it was read from (docs/ARCHITECTURE.md, "Staleness"); the view macro
# class_is_current compares them with the stored inputs. `i` is the version's version_inputs row.
_INPUTS = {"header": ("i.probes", "NULL", "NULL"),
           **dict.fromkeys(LOADABLE_METHODS, ("i.probes", "i.config", "(SELECT value FROM meta WHERE key = 'framework_revision')"))}
INPUT_COLUMNS = "computed_seq, input_probes, input_config, input_framework"


def _current(method: str) -> str:
    """SQL: version `v` has a current class of this method under RULES_VERSION."""
    return (f"EXISTS (SELECT 1 FROM version_classes c LEFT JOIN version_inputs i USING (version_id) "
            f"WHERE c.version_id = v.version_id AND c.method = '{method}' AND c.rules_version = {RULES_VERSION} "
            "AND class_is_current(c.method, c.input_probes, c.input_config, c.input_framework, i.probes, i.config, "
            "(SELECT value FROM meta WHERE key = 'framework_revision')))")


def _unclassified(method: str) -> str:
    return f"{_APPLIES[method]} AND NOT {_current(method)}"


def _pending(con: duckdb.DuckDBPyConnection, method: str) -> tuple[int, int, int]:
    """(count, min, max) of version ids lacking this method's current class under the current rules."""
    row = first_row(con.execute(
        f"SELECT count(*), min(version_id), max(version_id) FROM repo_versions v WHERE {_unclassified(method)}"))
    return (int(row[0]), int(row[1] or 0), int(row[2] or 0)) if row else (0, 0, 0)


def _insert(con: duckdb.DuckDBPyConnection, method: str, columns: str, select: str) -> None:
    """Insert the class rows `select` yields for `todo`, each with what it was computed from."""
    probes, config, framework = _INPUTS.get(method, ("NULL", "NULL", "NULL"))
    con.execute(f"""
        INSERT INTO version_classes ({columns}, {INPUT_COLUMNS})
        SELECT q.*, {inputs.current(con)}, {probes}, {config}, {framework}
        FROM ({select}) q LEFT JOIN version_inputs i ON i.version_id = q.version_id
    """)


def _classify_chunk(con: duckdb.DuckDBPyConnection, method: str, low: int, high: int) -> None:
    with transaction(con):
        scratch.temp_table(con, "todo", f"""
            SELECT version_id FROM repo_versions v
            WHERE version_id BETWEEN {low} AND {high} AND {_unclassified(method)}
        """)
        # Stale rows of these versions (their inputs changed since): replaced here, by classify only.
        con.execute(f"DELETE FROM version_classes WHERE method = '{method}' AND rules_version = {RULES_VERSION} "
                    "AND version_id IN (SELECT version_id FROM todo)")
        inputs.bump(con)  # the new rows carry this value (computed_seq): aggregates see them as a change
        if method == "tags":
            _insert(con, method, CLASS_COLUMNS, TAGS_SQL)
        elif method in LOADABLE_METHODS:
            scratch.temp_table(con, "loadable_paths", loadable.paths_sql())
            _insert(con, method, f"{CLASS_COLUMNS}, pt_path, tf_path, jax_path, basis",
                    loadable.classes_sql(LOADABLE_METHODS.index(method)))
        else:
            scratch.temp_table(con, "matched", _matched_sql(method == "header"))
            if method == "files":
                con.execute(f"""
                    INSERT INTO file_evidence
                    SELECT version_id, {RULES_VERSION}, path, format, resolved_format,
                           CASE WHEN format = 'excluded' THEN NULL ELSE {FAMILY_CASE} END, rule,
                           attributed
                    FROM matched
                """)
            _insert(con, method, CLASS_COLUMNS, _classes_sql(method))


@dataclass(frozen=True)
class VersionClass:
    """One method's class of one version, as `version_classes` stores it."""

    class_: str = field(metadata=json_key("class"))
    neither_reason: str | None
    has_pt: bool
    has_tf: bool
    has_tf_strict: bool
    has_jax: bool
    pt_attributed: bool
    formats: list[str] | None
    pt_path: str | None  # the loading paths of method loadable (docs/LOADABLE.md), else None
    tf_path: str | None
    jax_path: str | None
    basis: str | None


@dataclass(frozen=True)
class Evidence:
    """A weight file (or an excluded side file) and the rule that matched it."""

    path: str
    format: str | None
    resolved_format: str | None
    family: str | None
    rule: str | None
    attributed: bool | None


@dataclass(frozen=True)
class FileListClasses:
    """One model's classes by method (a method that does not apply is absent) and its file evidence."""

    classes: dict[str, VersionClass]
    evidence: list[Evidence]


@dataclass(frozen=True)
class ClassifyResult:
    """What one classify pass did (`hfscan classify --json`, and `classified` of scan)."""

    rules_version: int
    classified: int  # versions that had no class under these rules before (by any method)
    by_method: dict[str, int]  # class rows added per method (header counts re-probed versions too)
    seconds: float


def classify_versions(con: duckdb.DuckDBPyConnection, chunk: int = CHUNK_VERSIONS) -> ClassifyResult:
    """Classify every stored version not yet classified under RULES_VERSION, by every method."""
    started = time.monotonic()
    before = _classified_versions(con)
    counts: dict[str, int] = {}
    frameworks.ensure_table(con)
    for method in METHOD_ORDER:
        pending, low, high = _pending(con, method)
        counts[method] = pending
        if not pending:
            continue
        for start in range(low, high + 1, chunk):
            _classify_chunk(con, method, start, min(high, start + chunk - 1))
    aggregates.refresh(con)  # per-snapshot aggregates follow the classes (new snapshots, changed members)
    return ClassifyResult(RULES_VERSION, _classified_versions(con) - before, counts,
                          round(time.monotonic() - started, 2))


def _classified_versions(con: duckdb.DuckDBPyConnection) -> int:
    row = first_row(con.execute(
        f"SELECT count(DISTINCT version_id) FROM version_classes WHERE rules_version = {RULES_VERSION}"))
    return int(row[0]) if row else 0


def classify_file_list(files: list[str], library_name: str | None = None, tags: list[str] | tuple[str, ...] = (),
                       header_formats: dict[str, str] | None = None,
                       config_model_type: str | None = None) -> FileListClasses:
    """One model, through the same SQL as the database (used by `explain` and the tests)."""
    from hfscan.store.schema import migrate

    con = duckdb.connect(":memory:")
    try:
        migrate(con, ":memory:")
        con.execute(
            "INSERT INTO repo_versions (version_hash, model_id, sha, library_name, tags, files, config_model_type) "
            "VALUES (1, 'model', 'sha', ?, ?, ?, ?)", [library_name, list(tags), list(files), config_model_type])
        if header_formats:
            con.executemany("INSERT INTO header_probes VALUES ('model', 'sha', ?, ?, 'ok', NULL, NULL)",
                            [[path, fmt] for path, fmt in header_formats.items()])
        classify_versions(con)
        classes = con.execute(
            "SELECT method, class, neither_reason, has_pt, has_tf, has_tf_strict, has_jax, pt_attributed, formats, "
            "pt_path, tf_path, jax_path, basis FROM version_classes").fetchall()
        evidence = con.execute(
            "SELECT path, format, resolved_format, family, rule, attributed FROM file_evidence ORDER BY path").fetchall()
    finally:
        con.close()
    return FileListClasses({row[0]: VersionClass(*row[1:]) for row in classes}, [Evidence(*row) for row in evidence])

