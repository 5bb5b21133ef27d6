"""Memory a run's chunks freed, handed back to the system between chunks.

glibc's malloc keeps what a chunk's buffers freed in its arenas to reuse it, and over many chunks
that memory fragments: the arenas grow although the run's data does not. Measured on issue 13's
11-column table (benchmarks/RESULTS.md): the free memory glibc held grew from 50 to 200 MB over a
10M-row run, and peak RSS from about 520 MiB at 1M rows to 620-660 MiB at 10M. So once a chunk is
merged, `release_free_memory` asks glibc to give its free pages back (`malloc_trim`, as Dask's
workers do), and peak RSS stays about that of the first chunks.

Elsewhere than glibc (macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import platform


@functools.cache
def _malloc_trim() -> ctypes._NamedFuncPointer | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Give the pages glibc holds free back to the system; False where there is no glibc."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
