"""Aggregates per snapshot, computed once: what every time series reads (migration 10).

Per complete snapshot: class counts per method with the neither breakdown, attributed PyTorch and
download sums (`snapshot_class_counts`); models by cohort, library, pipeline tag and author as the
report ranks them (`snapshot_breakdowns`); weights against loadability (`snapshot_weights_loadable`);
and a state row saying what they were computed from (`snapshot_aggregate_state`).

Staleness follows the rule of classes (docs/ARCHITECTURE.md, "Staleness"). Every change to an
input takes a value of the input counter (store/inputs.py). A snapshot's aggregates are current
while its `valid_seq` equals the counter (view `current_aggregates`); readers use them then and fall
back to the runs otherwise, so a figure is never silently out of date. `refresh` (the last step of
classify) brings every snapshot up to the counter: a snapshot none of whose members changed since
its `valid_seq` is only re-stamped; the others (and new snapshots) are computed again, one snapshot
at a time, from its own runs (flat memory, whatever the history).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from hfscan.store import inputs
from hfscan.store.schema import first_row, one_row, transaction

BREAKDOWN_TOP = 12  # values kept per dimension (by models, then name): the report's charts show these
DIMENSIONS = ("library_name", "pipeline_tag", "author")
TABLES = ("snapshot_class_counts", "snapshot_breakdowns", "snapshot_weights_loadable")


@dataclass(frozen=True)
class Refresh:
    computed: int   # snapshots whose aggregates were computed (new, or a member's input changed)
    verified: int   # snapshots found unaffected by the changes since their last stamp
    seq: int        # the input counter they are now current at


def all_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when every complete snapshot's aggregates are current (then readers may use them)."""
    row = first_row(con.execute(
        "SELECT count(*) FILTER (a.scan_id IS NULL) FROM scan_log l "
        "LEFT JOIN current_aggregates a USING (scan_id) WHERE l.status = 'complete'"))
    return row is not None and row[0] == 0


def is_current(con: duckdb.DuckDBPyConnection, scan_id: int) -> bool:
    return one_row(con.execute("SELECT count(*) FROM current_aggregates WHERE scan_id = ?", [scan_id]))[0] > 0


def _changed_snapshots(con: duckdb.DuckDBPyConnection, since: int) -> set[int]:
    """Snapshots with a member whose class, class inputs or creation date changed after the
    snapshot's own valid_seq (only changes numbered above `since` are read)."""
    rows = con.execute(f"""
        WITH changed AS (
            SELECT version_id, max(computed_seq) AS seq FROM version_classes
            WHERE computed_seq > {since} GROUP BY version_id
            UNION ALL
            SELECT version_id, greatest(coalesce(probes, 0), coalesce(config, 0)) FROM version_inputs
            WHERE greatest(coalesce(probes, 0), coalesce(config, 0)) > {since}
            UNION ALL
            SELECT v.version_id, h.changed_seq FROM history_status h JOIN repo_versions v USING (model_id)
            WHERE h.changed_seq > {since}
        ), latest AS (SELECT version_id, max(seq) AS seq FROM changed GROUP BY version_id)
        SELECT DISTINCT o.scan_id
        FROM latest c JOIN run_spans r USING (version_id)
        JOIN snapshot_order o ON o.position BETWEEN r.first_position AND r.last_position
        JOIN snapshot_aggregate_state s ON s.scan_id = o.scan_id
        WHERE c.seq > s.valid_seq
    """).fetchall()
    return {int(r[0]) for r in rows}


def refresh(con: duckdb.DuckDBPyConnection) -> Refresh:
    """Make every complete snapshot's aggregates current (see the module docstring)."""
    seq = inputs.current(con)
    rules = one_row(con.execute("SELECT rules_version FROM current_rules"))[0]
    framework = first_row(con.execute("SELECT value FROM meta WHERE key = 'framework_revision'"))
    framework = framework[0] if framework else None
    states = con.execute("""
        SELECT o.scan_id, o.position, s.valid_seq, s.rules_version, s.framework_revision
        FROM snapshot_order o LEFT JOIN snapshot_aggregate_state s USING (scan_id) ORDER BY o.position
    """).fetchall()
    todo: set[int] = set()
    behind: list[int] = []
    for scan_id, _, valid, their_rules, their_framework in states:
        if valid is None or their_rules != rules or their_framework != framework:
            todo.add(scan_id)
        elif valid < seq:
            behind.append(valid)
    if behind:
        todo |= _changed_snapshots(con, min(behind))
    with transaction(con):
        for table in (*TABLES, "snapshot_aggregate_state"):  # snapshots no longer complete
            con.execute(f"DELETE FROM {table} WHERE scan_id NOT IN "
                        "(SELECT scan_id FROM scan_log WHERE status = 'complete')")
        # unaffected snapshots: current again at this counter (the others stay behind until computed)
        con.execute("CREATE OR REPLACE TEMP TABLE agg_todo (scan_id INTEGER)")
        if todo:
            con.executemany("INSERT INTO agg_todo VALUES (?)", [[s] for s in sorted(todo)])
        con.execute("UPDATE snapshot_aggregate_state SET valid_seq = ? WHERE valid_seq < ? "
                    "AND scan_id NOT IN (SELECT scan_id FROM agg_todo)", [seq, seq])
    if rules is None:  # nothing classified yet: nothing to count
        return Refresh(0, len(states), seq)
    for scan_id, position, *_ in states:
        if scan_id in todo:
            _compute(con, scan_id, position, seq, rules, framework)
    return Refresh(len(todo), len(states) - len(todo), seq)


def _compute(con: duckdb.DuckDBPyConnection, scan_id: int, position: int, seq: int, rules: int,
             framework: str | None) -> None:
    """One snapshot's aggregates from its own runs and the current classes, in one transaction."""
    with transaction(con):
        for table in (*TABLES, "snapshot_aggregate_state"):
            con.execute(f"DELETE FROM {table} WHERE scan_id = ?", [scan_id])
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE agg_members AS
            SELECT version_id, downloads, downloads_all_time FROM run_spans
            WHERE first_position <= {position} AND last_position >= {position}
        """)
        # loadable only where the scan asked for configs (as model_classes)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE agg_classes AS
            SELECT m.version_id, m.downloads, m.downloads_all_time, c.method, c.class, c.neither_reason,
                   c.pt_attributed, c.has_pt, c.has_tf, c.has_jax, c.pt_path, c.tf_path, c.jax_path
            FROM agg_members m JOIN current_classes c USING (version_id)
            WHERE c.method NOT LIKE 'loadable%'
               OR (SELECT list_contains(methods, 'loadable') FROM scan_log WHERE scan_id = {scan_id})
        """)
        con.execute(f"""
            INSERT INTO snapshot_class_counts
            SELECT {scan_id}, method, class, neither_reason, pt_attributed, count(*),
                   sum(downloads), sum(downloads_all_time)
            FROM agg_classes GROUP BY ALL
        """)
        dims = " UNION ALL ".join(
            f"SELECT c.method, '{name}' AS dimension, coalesce(c.{name}, '(none)') AS value, c.class FROM x c"
            for name in DIMENSIONS)
        con.execute(f"""
            INSERT INTO snapshot_breakdowns
            WITH x AS (
                SELECT c.method, c.class, v.library_name, v.pipeline_tag, v.author,
                       cohort_of(CASE WHEN created_at_placeholder(v.created_at, v.hub_id) THEN h.first_commit_at
                                      ELSE v.created_at END) AS cohort
                FROM agg_classes c JOIN repo_versions v USING (version_id)
                LEFT JOIN history_status h ON h.model_id = v.model_id AND h.status = 'ok'
            ), cells AS (
                SELECT method, dimension, value, class, count(*) AS models FROM ({dims}) GROUP BY ALL
                UNION ALL
                SELECT method, 'cohort', cohort, class, count(*) FROM x GROUP BY ALL
            ), ranked AS (
                SELECT method, dimension, value, row_number() OVER (
                    PARTITION BY method, dimension ORDER BY sum(models) DESC, value) AS rank
                FROM cells GROUP BY method, dimension, value
            )
            SELECT {scan_id}, c.method, c.dimension, c.value, c.class, c.models, r.rank
            FROM cells c JOIN ranked r USING (method, dimension, value)
            WHERE c.dimension = 'cohort' OR r.rank <= {BREAKDOWN_TOP}
        """)
        con.execute(f"""
            INSERT INTO snapshot_weights_loadable
            WITH v AS (
                SELECT version_id,
                       bool_or(method = 'files' AND has_tf) AS tf_weights,
                       bool_or(method = 'files' AND has_pt) AS pt_weights,
                       bool_or(method = 'files' AND has_jax) AS jax_weights,
                       any_value(tf_path) FILTER (method = 'loadable') AS tf_path,
                       any_value(pt_path) FILTER (method = 'loadable') AS pt_path,
                       any_value(jax_path) FILTER (method = 'loadable') AS jax_path,
                       any_value(tf_path) FILTER (method = 'loadable_v5') AS tf_path_v5
                FROM agg_classes WHERE method IN ('files', 'loadable', 'loadable_v5')
                GROUP BY version_id
                HAVING count(*) FILTER (method = 'files') > 0 AND count(*) FILTER (method = 'loadable') > 0
                   AND count(*) FILTER (method = 'loadable_v5') > 0
            )
            SELECT {scan_id}, count(*), count(*) FILTER (tf_weights), count(*) FILTER (tf_path IS NOT NULL),
                   count(*) FILTER (tf_path IS NOT NULL AND NOT path_needs_opt_in(tf_path)),
                   count(*) FILTER (path_needs_opt_in(tf_path)), count(*) FILTER (pt_weights),
                   count(*) FILTER (pt_path IS NOT NULL), count(*) FILTER (jax_weights),
                   count(*) FILTER (jax_path IS NOT NULL), count(*) FILTER (tf_path_v5 IS NOT NULL)
            FROM v HAVING count(*) > 0
        """)
        con.execute("INSERT INTO snapshot_aggregate_state VALUES (?, ?, ?, ?, (SELECT count(*) FROM agg_members), "
                    "now()::TIMESTAMP)", [scan_id, rules, framework, seq])
