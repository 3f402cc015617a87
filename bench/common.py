"""What every benchmark shares: measuring one subprocess exactly, and describing the machine.

Figures come from the kernel's accounting of the finished child (`wait4`): CPU seconds (user +
system, the child and anything it waited for) and its peak resident set size. Sampling RSS every
few milliseconds would miss short peaks and cost CPU on a 2-core machine we share.

The command is started by a small Python trampoline, which forks it and reports the command's own
peak RSS. Started straight from the benchmark, the child would inherit the benchmark's size:
Linux records the high-water RSS of the memory the child had before `exec` (the parent's, with
vfork) in the child's `ru_maxrss`, so a benchmark holding 600 MB reported 600 MB for `python -c
pass` (13 MB from a small parent).
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


# Forks the command (argv[2:]), waits for it, writes its peak RSS (kB) and CPU seconds (user, system)
# to the fd argv[1] (not passed on to the command) and exits with the command's status.
_TRAMPOLINE = """
import os, sys
fd = int(sys.argv[1])
os.set_inheritable(fd, False)
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
os.write(fd, f"{usage.ru_maxrss} {usage.ru_utime} {usage.ru_stime}".encode())
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measure(command: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> dict[str, Any]:
    """Run `command` to completion: wall seconds, CPU seconds, peak RSS (MB) and its stdout tail."""
    read_end, write_end = os.pipe()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", _TRAMPOLINE, str(write_end), *command], env=env, cwd=cwd,
                                stdout=out, stderr=err, pass_fds=(write_end,))
        os.close(write_end)
        _, status, _ = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        with os.fdopen(read_end, "rb") as reported:
            peak_kb, user, system = (reported.read().decode() or "0 0 0").split()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed ({proc.returncode}): {stderr[-2000:]}")
    return {"wall": wall, "cpu": float(user) + float(system),  # the command's (not the trampoline's)
            "peak_rss_mb": int(peak_kb) / 1024,  # Linux reports kilobytes
            "stdout": stdout.strip()[-2000:]}


def machine() -> dict[str, Any]:
    """The machine and the versions that matter, for the results' header."""
    import duckdb
    import polars
    import psutil

    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu_model = platform.processor()
    memory_gb = round(psutil.virtual_memory().total / 2**30, 1)
    try:
        import huggingface_hub
        hub_version = huggingface_hub.__version__
    except ImportError:
        hub_version = ""
    return {"cpus": os.cpu_count(), "cpu_model": cpu_model, "memory_gb": memory_gb,
            "load_avg": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "duckdb": duckdb.__version__, "polars": polars.__version__,
            "huggingface_hub": hub_version, "platform": platform.platform(), "executable": sys.executable}


def row_groups_scanned(con: Any, sql: str, table: str) -> tuple[int, int] | None:
    """(scanned, total) row groups of `table` in the plan DuckDB ran for `sql` (EXPLAIN ANALYZE;
    the plan's boxes stand side by side, so the scan's box is found below its table's name)."""
    lines = "\n".join(r[1] for r in con.execute("EXPLAIN ANALYZE " + sql).fetchall()).splitlines()
    for number, line in enumerate(lines):
        found = re.search(rf"Table: \S*\.{table}\b", line)
        if found:
            for below in lines[number + 1:number + 20]:
                seen = re.search(r"Row Groups Scanned: (\d+) / (\d+)", below[found.start():found.start() + 60])
                if seen:
                    return int(seen.group(1)), int(seen.group(2))
    return None
