"""What every benchmark shares: measuring one subprocess exactly, and describing the machine.

Figures come from the kernel's accounting of the finished child (`wait4`): CPU seconds (user +
system, the child and anything it waited for) and its peak resident set size. Sampling RSS every
few milliseconds would miss short peaks and cost CPU on a 2-core machine we share.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def measure(command: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> dict[str, Any]:
    """Run `command` to completion: wall seconds, CPU seconds, peak RSS (MB) and its stdout tail."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed ({proc.returncode}): {stderr[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024,  # Linux reports kilobytes
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
