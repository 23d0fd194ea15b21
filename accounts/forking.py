"""Forked worker pools that never share a database session with their parent.

A forked child inherits every open file descriptor, and with them the sockets of any database connection
the parent holds: Django's (closed here before the fork), but also connections of its own (a run's lease)
and connections left to the garbage collector (a finished thread's). psycopg2 finishes a connection
when its object is freed, in whatever process frees it: a child that collects an inherited copy sends
the server a Terminate on the parent's session, and once the child's own connection reuses the freed
descriptor number, whatever acts on the old object acts on the child's session. Both were seen as
"server closed the connection unexpectedly" and as a query reading another query's rows.

So, before the fork, the parent collects its garbage (unreachable connections are finished by their
owner) and freezes the rest (a child's collector never frees an inherited object); in each child the
descriptors of the connections still open in the parent are pointed at /dev/null, so nothing the child
does can reach the parent's sessions, and the numbers stay taken (never reused by the child's own).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator

from django.db import connections

_INHERITED: list[int] = []


def _open_connection_fds() -> list[int]:
    import psycopg2.extensions

    fds = []
    for obj in gc.get_objects():
        if type(obj) is psycopg2.extensions.connection and not obj.closed:
            with contextlib.suppress(Exception):
                fds.append(obj.fileno())
    return fds


def _forget_inherited(initializer: Callable[[], None] | None) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in _INHERITED:
            with contextlib.suppress(OSError):
                os.dup2(null, fd)
    finally:
        os.close(null)
    if initializer is not None:
        initializer()


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@contextlib.contextmanager
def fork_pool(processes: int, initializer: Callable[[], None] | None = None) -> Iterator:
    """A multiprocessing pool of `processes` forked children, each opening its own connections."""
    connections.close_all()
    gc.collect()
    _INHERITED[:] = _open_connection_fds()
    gc.freeze()
    try:
        pool = multiprocessing.get_context("fork").Pool(
            processes, initializer=_forget_inherited, initargs=(initializer,)
        )
    finally:
        gc.unfreeze()
    with pool:
        yield pool
