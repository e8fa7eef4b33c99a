"""How many CPU threads torch, BLAS and OpenMP may use while a block runs."""

from __future__ import annotations

import os
from contextlib import contextmanager

__all__ = ["limit_threads", "resolve_n_jobs", "torch_threads"]


@contextmanager
def limit_threads(n_threads):
    """Run the block with at most ``n_threads`` CPU threads in torch, BLAS and OpenMP.

    ``None`` or 0 leaves the libraries' defaults. torch's setting is restored
    afterwards.

    Parameters
    ----------
    n_threads : int or None
        The most threads; ``None`` or 0 changes nothing (and imports nothing).

    Examples
    --------
    >>> with limit_threads(0):
    ...     pass
    """
    if not n_threads:
        yield
        return
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        with threadpool_limits(limits=n_threads):
            yield
    finally:
        torch.set_num_threads(before)


def resolve_n_jobs(n_jobs) -> int:
    """The number of torch threads ``n_jobs`` asks for (joblib's convention).

    ``None``: 1 (see ``EntityEmbeddingEncoder.n_jobs``); ``-1``: every core this process
    may run on; ``-2``: all but one; a positive int: that many.

    Examples
    --------
    >>> resolve_n_jobs(None), resolve_n_jobs(3)
    (1, 3)
    """
    if n_jobs is None:
        return 1
    if n_jobs > 0:
        return int(n_jobs)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, cores + 1 + int(n_jobs))


@contextmanager
def torch_threads(n_threads: int):
    """Run a fit with ``n_threads`` torch intra-op threads, then restore the caller's count.

    torch's CPU builds take the count from OpenMP, which keeps it per thread: a fit in a
    worker thread sets and restores that thread's count and leaves every other thread's
    alone, so fits running at the same time in threads do not disturb each other.
    """
    import torch

    before = torch.get_num_threads()
    if before != n_threads:
        torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)
