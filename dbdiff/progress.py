"""Progress reporters: a rich bar on a terminal, tqdm.auto in notebooks, nothing in CI."""

from __future__ import annotations

import os
import sys
from typing import Any, Protocol


class Progress(Protocol):
    """Receives progress events; the CLI shows a bar, notebooks use tqdm, CI shows nothing."""

    def start(self, total: int, description: str) -> None: ...

    def advance(self, steps: int = 1) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    def start(self, total: int, description: str) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


def wants_progress(stream: Any = None) -> bool:
    """A bar only on an interactive terminal, and never in CI."""
    stream = stream or sys.stderr
    if os.environ.get("CI") or os.environ.get("DBDIFF_NO_PROGRESS"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class RichProgress:
    """A transient rich progress bar on stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("chunks"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: Any = None

    def start(self, total: int, description: str) -> None:
        self._progress.start()
        self._task = self._progress.add_task(description, total=total)

    def advance(self, steps: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, steps)

    def finish(self) -> None:
        self._progress.stop()


class TqdmProgress:
    """tqdm.auto: a widget in Jupyter, a text bar elsewhere; silent when stderr is not a terminal."""

    def __init__(self) -> None:
        self._bar: Any = None

    def start(self, total: int, description: str) -> None:
        from tqdm.auto import tqdm

        disable = bool(os.environ.get("CI"))
        self._bar = tqdm(total=total, desc=description, unit="chunk", disable=disable, leave=False)

    def advance(self, steps: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(steps)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
