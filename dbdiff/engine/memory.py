"""Memory a run's chunks freed, handed back to the system between chunks.

glibc's malloc keeps what a chunk's buffers freed in its arenas to reuse it, and over many chunks
that memory fragments: the arenas grow although the run's data does not. Measured on issue 13's
11-column table (benchmarks/RESULTS.md): the free memory glibc held grew from 50 to 200 MB over a
10M-row run, and peak RSS from about 520 MiB at 1M rows to 620-660 MiB at 10M. So every few
chunks merged, `release_free_memory` asks glibc to give its free pages back (`malloc_trim`, as
Dask's workers do), and peak RSS stays near that of the first chunks.

Not after every chunk: the pages given back are soon taken again by the next chunks, each at the
cost of a page fault. On the 10M-row run, released after every chunk the peak was 525 MiB for 2
to 4 more CPU seconds (of about 45); every `RELEASE_EVERY` chunks, 556 MiB for about 1 more;
never, 585 to 640 MiB.

Elsewhere than glibc (macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import os

#: Chunks merged between two releases: as many as a run has in flight by default (`--workers`).
RELEASE_EVERY = 4


@functools.cache
def _malloc_trim() -> ctypes._NamedFuncPointer | None:
    if not _glibc_version():
        return None
    try:
        # glibc's soname on every Linux: find_library would ask `ldconfig -p` in a subprocess.
        libc = ctypes.CDLL("libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def _glibc_version() -> str | None:
    """'glibc 2.36', or None for another C library."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, ValueError, OSError):  # no confstr (Windows), or no such name
        return None


def release_free_memory() -> bool:
    """Give the pages glibc holds free back to the system; False where there is no glibc."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
