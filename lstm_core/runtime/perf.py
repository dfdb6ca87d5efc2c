"""Process-wide performance settings for training on the CPU (measured in benchmarks/).

glibc's malloc serves big blocks (above a threshold that it raises only up to 32 MiB) with
mmap and gives them back with munmap as soon as they are freed; it also trims the top of
its heap whenever more than a few MiB lie free there. LSTM training allocates and frees
the same large activation and gradient buffers every batch, so by default each batch maps
fresh memory and page-faults it in again: kernel (sys) time that can rival the arithmetic.
`tune_malloc` keeps freed memory in the process instead (no mmap for big blocks, trim only
beyond TRIM_THRESHOLD), at some cost in peak memory; benchmarks/README.md has the numbers.

Set LSTM_CORE_TUNE_MALLOC=0 in the environment to leave malloc alone.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
import threading

__all__ = ["TRIM_THRESHOLD", "malloc_tuned", "release_memory", "tune_malloc"]

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's <malloc.h>
_M_MMAP_MAX = -4
TRIM_THRESHOLD = 1 << 30  # bytes free at the heap's top before glibc gives them back

_lock = threading.Lock()
_tuned: bool | None = None  # None: not tried yet


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """glibc, or None off Linux, on another C library, or if ctypes cannot load it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        libc.gnu_get_libc_version()  # glibc only: musl and others lack it
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def tune_malloc() -> bool:
    """Keep freed memory in the process (glibc only); True if malloc is now tuned.

    Idempotent and cheap after the first call. A no-op returning False off glibc/Linux,
    if ctypes fails, or when LSTM_CORE_TUNE_MALLOC=0. It affects the whole process.
    """
    global _tuned
    if _tuned is not None:
        return _tuned
    with _lock:
        if _tuned is None:
            libc = None if os.environ.get("LSTM_CORE_TUNE_MALLOC") == "0" else _glibc()
            ok = False
            if libc is not None:
                try:
                    ok = (libc.mallopt(_M_MMAP_MAX, 0) == 1) & (
                        libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
                    )
                except (OSError, ctypes.ArgumentError):  # pragma: no cover
                    ok = False
            _tuned = bool(ok)
    return _tuned


def malloc_tuned() -> bool:
    """Whether `tune_malloc` has tuned malloc in this process."""
    return bool(_tuned)


def release_memory() -> bool:
    """Hand memory that malloc holds free back to the kernel (glibc's malloc_trim).

    Worth calling after training when malloc is tuned, so an idle app does not keep the
    training peak. Returns True if some memory was released; False off glibc.
    """
    libc = _glibc()
    if libc is None:
        return False
    try:
        return bool(libc.malloc_trim(0))
    except (OSError, ctypes.ArgumentError):  # pragma: no cover
        return False
