"""Ctrl-C in the command-line tool: Python hears it at once, and the process ends soon after.

Two things stood in the way:
* polars installs its own SIGINT handler when imported, with SA_RESTART (pola-rs/polars#21739): a
  thread waiting on a socket or a lock is not woken, and a query waiting on a server's lock kept
  dbdiff running for minutes after Ctrl-C. `take_ctrl_c` (every command, once polars is imported)
  puts Python's handler back.
* A thread blocked in a server's wait (the other side's query, a chunk's read, both waiting on a
  lock) cannot be interrupted, and the pools' threads are joined when Python exits. In the real
  process (`force_exit_after_ctrl_c`, around the CLI's `main`, never under CliRunner), Ctrl-C
  also starts a clock: if the process has not ended `GRACE` seconds later, or at a second Ctrl-C,
  it exits with 130 at once, after `before_exit` (the verdict file).

A program that imports dbdiff keeps its own handlers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType

#: Seconds between Ctrl-C and a forced exit, for the run to end by itself (its store removed).
GRACE = 5.0

_before_exit: Callable[[], None] | None = None
_pressed = threading.Event()


def take_ctrl_c() -> None:
    """Python's handler (or `force_exit_after_ctrl_c`'s) back in place of polars'; nothing when
    SIGINT is not ours (ignored in a background job, a program's own handler)."""
    import polars  # noqa: F401  (its handler is installed on import)

    if threading.current_thread() is not threading.main_thread():
        return
    current = signal.getsignal(signal.SIGINT)
    if current is signal.default_int_handler or current is _on_ctrl_c:
        signal.signal(signal.SIGINT, current)


@contextlib.contextmanager
def force_exit_after_ctrl_c(before_exit: Callable[[], None]) -> Iterator[None]:
    """Around the command line's entry point only: Ctrl-C ends the process within `GRACE` seconds
    (a second one at once), `before_exit` first. Python's handler is back afterwards (a test
    that calls the entry point goes on in the same process)."""
    global _before_exit
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    _before_exit = before_exit
    signal.signal(signal.SIGINT, _on_ctrl_c)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is _on_ctrl_c:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        _before_exit = None


def _on_ctrl_c(signum: int, frame: FrameType | None) -> None:
    if _pressed.is_set():
        _exit()
    _pressed.set()
    threading.Thread(target=_exit_later, name="dbdiff-ctrl-c", daemon=True).start()
    raise KeyboardInterrupt


def _exit_later() -> None:
    time.sleep(GRACE)
    _exit()


def _exit() -> None:
    # `before_exit` on a thread of its own, for a second at most: the thread stuck (an import
    # lock held by a blocked thread, say) must not keep the process alive.
    if _before_exit is not None:
        last = threading.Thread(target=_before_exit, name="dbdiff-before-exit", daemon=True)
        last.start()
        last.join(1.0)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(130)
