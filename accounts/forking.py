"""Forked worker pools (a run's chunks, a projection's) made in one place.

A forked child inherits the parent's objects, database connections among them. psycopg2 finishes a
connection when its object is freed, in whatever process frees it: a child whose garbage collector frees
an inherited copy sends the server a Terminate on the parent's session. So, before the fork, the parent
closes Django's connections, collects its garbage (unreachable connections are finished by their owner)
and freezes the rest (a child's collector never frees an inherited object). A connection the parent
keeps open on purpose (a run's lease) is dropped in the child by the initializer its caller passes
(`subsidies.runs.leases.forget_lease_in_child`). Each child opens its own connections.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
from collections.abc import Callable, Iterator

from django.db import connections


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@contextlib.contextmanager
def fork_pool(processes: int, initializer: Callable[[], None] | None = None) -> Iterator:
    """A multiprocessing pool of `processes` forked children, each opening its own connections."""
    connections.close_all()
    gc.collect()
    gc.freeze()
    try:
        pool = multiprocessing.get_context("fork").Pool(processes, initializer=initializer)
    finally:
        gc.unfreeze()
    with pool:
        yield pool
