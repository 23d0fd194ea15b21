"""Forked worker pools (a run's chunks, a projection's) made in one place.

A forked child inherits the parent's objects, open database connections among them, and with them the
parent's sockets. Two processes talking on one socket corrupt the session for both ("no results to
fetch", "server closed the connection unexpectedly"), and psycopg2 finishes a connection when its object
is freed, in whatever process frees it: a child freeing an inherited copy ends the parent's session. So:

- before the fork, the parent collects its garbage (an unreachable connection is finished by its owner),
  closes Django's connections (again after the collection, whose finalisers may have opened one) and
  refuses to fork with one still open (inside a transaction the chunks run in-process instead);
- it records every connection still open in the process (another thread's, a run's lease) with the
  identity of its socket, and freezes the collector so that a child's never frees an inherited object;
- each child, first thing, keeps those connections referenced for its whole life (nothing there ever
  frees them), points each inherited socket's descriptor at /dev/null (so nothing there can ever reach the
  parent's sessions, even by mistake) and forgets any connection Django's handler still names, without a
  word to the server. Each child then opens its own connections.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import stat
from collections.abc import Callable, Iterator

from django.db import connections

# (connection, descriptor, (device, inode) of its socket): set in the parent just before the fork, so that
# each child inherits it (a worker the pool replaces too); the parent empties it when the pool ends
_inherited: list[tuple[object, int, tuple[int, int]]] = []
# in a child: the connection objects Django's handler named at the fork, kept so they are never freed
_forgotten: list[object] = []


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _socket_identity(fd: int) -> tuple[int, int] | None:
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISSOCK(st.st_mode) else None


def _open_connections() -> list[tuple[object, int, tuple[int, int]]]:
    """Every psycopg2 connection of this process (any thread's) still open, with its socket."""
    import psycopg2.extensions

    found = []
    for obj in gc.get_objects():
        # type(), not isinstance(): isinstance asks an object for its __class__, which sets up a lazy object
        # (a finished request's CSP nonce refuses to be set up, and raises)
        if issubclass(type(obj), psycopg2.extensions.connection) and not obj.closed:
            with contextlib.suppress(Exception):
                fd = obj.fileno()
                ident = _socket_identity(fd) if fd >= 0 else None
                if ident is not None:
                    found.append((obj, fd, ident))
    return found


def _close_django_connections() -> None:
    busy = [c.alias for c in connections.all(initialized_only=True) if c.in_atomic_block]
    if busy:  # closing would end the caller's transaction; callers compute in-process there instead
        raise RuntimeError(f"cannot fork inside a transaction on database connection(s) {busy}")
    connections.close_all()
    gc.collect()
    connections.close_all()  # a finaliser run by the collection may have opened one again


def _detach_in_child(initializer: Callable[[], None] | None) -> None:
    """A forked child's first step: the parent's sessions become unreachable from here."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for _conn, fd, ident in _inherited:
            if _socket_identity(fd) == ident:  # still the inherited socket, nothing of this child's
                os.dup2(null, fd)
    finally:
        os.close(null)
    for wrapper in connections.all(initialized_only=True):
        if wrapper.connection is not None:
            _forgotten.append(wrapper.connection)
            wrapper.connection = None
        wrapper.in_atomic_block = False
        wrapper.savepoint_ids = []
        wrapper.atomic_blocks = []
        wrapper.needs_rollback = False
        wrapper.closed_in_transaction = False
        wrapper.run_on_commit = []
    if initializer is not None:
        initializer()


@contextlib.contextmanager
def fork_pool(processes: int, initializer: Callable[[], None] | None = None) -> Iterator:
    """A multiprocessing pool of `processes` forked children, each opening its own connections."""
    _close_django_connections()
    _inherited[:] = _open_connections()
    gc.freeze()
    try:
        pool = multiprocessing.get_context("fork").Pool(
            processes, initializer=_detach_in_child, initargs=(initializer,)
        )
    finally:
        gc.unfreeze()
    try:
        with pool:
            yield pool
    finally:
        _inherited.clear()
