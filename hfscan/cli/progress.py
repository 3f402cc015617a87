"""Progress bars on stderr (rich), fed by the library's progress callbacks."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from hfscan.cli.common import progress_console


class ScanProgressBar:
    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._console = progress_console()
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[extra]}"),
            TimeElapsedColumn(), console=self._console, transient=True,
        )
        self._task: Any = None

    def __enter__(self) -> ScanProgressBar:
        self._progress.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._progress.__exit__(exc_type, exc, tb)

    def update(self, event: Any) -> None:
        if self._task is None:
            self._task = self._progress.add_task(
                f"scan {event.scan_id} ({event.kind})", total=event.expected_models, extra=""
            )
        total = event.expected_models if event.expected_models and event.expected_models >= event.models else None
        self._progress.update(self._task, completed=event.models, total=total,
                              extra=f"{event.pages} pages, {event.requests} requests")

    def note(self, message: str) -> None:
        self._console.print(message, markup=False, highlight=False)


class CountProgressBar:
    """A bar over a known number of items (models probed, repos whose history is fetched, dump
    versions imported, publish steps), with the time remaining."""

    def __init__(self, label: str, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        console = progress_console()
        # Off a terminal (cron, CI, a pipe) no bar at all: rich would still write a blank line at exit,
        # which puts an error's one line second on stderr.
        self._progress = Progress(
            TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[extra]}"),
            TimeRemainingColumn(), console=console, transient=True, disable=not console.is_terminal,
        )
        self._task = self._progress.add_task(label, total=total, extra="")

    def __enter__(self) -> CountProgressBar:
        self._progress.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._progress.__exit__(exc_type, exc, tb)

    def note(self, message: str) -> None:
        """A line above the bar (printing to stderr directly would tear the live display)."""
        self._progress.console.print(message, markup=False, highlight=False, soft_wrap=True)  # no wrap at 80

    def update(self, done: int, extra: str = "", total: int | None = None) -> None:
        """`total` moves the goal when an estimate (requests) turns out low."""
        if total is not None:
            self._progress.update(self._task, total=max(total, done))
        self._progress.update(self._task, completed=done, extra=extra)
