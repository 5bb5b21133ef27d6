"""Ctrl-C handling of the command line (`dbdiff.interrupts`); the real process is tested on the
servers (tests/integration/test_interrupts.py)."""

from __future__ import annotations

import contextlib
import signal

from dbdiff.interrupts import take_ctrl_c


def test_a_program_s_own_sigint_handler_is_left_alone():
    def own(signum, frame):
        return None

    before = signal.signal(signal.SIGINT, own)
    try:
        take_ctrl_c()
        assert signal.getsignal(signal.SIGINT) is own
    finally:
        signal.signal(signal.SIGINT, before)


def test_an_ignored_sigint_stays_ignored():
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        take_ctrl_c()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


def test_the_entry_point_leaves_python_s_handler_behind(capsys):
    """A test calling `dbdiff.cli.main` goes on in the same process: no forced exit stays armed."""
    from dbdiff.cli import main

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with contextlib.suppress(SystemExit):
        main(["--version"])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
