"""Forked pools (runs and projections spread chunks over them): garbage connections are finished by the
parent before the fork, never by a child's collector, and each child queries on its own connection."""

import gc
import os
import threading

import pytest
from django.db import connection, transaction
from django.utils.functional import SimpleLazyObject

from accounts.forking import fork_pool

pytestmark = pytest.mark.django_db(transaction=True)


def _new_raw():
    raw = connection.get_new_connection(connection.get_connection_params())
    raw.autocommit = True
    return raw


def backend_pid(raw) -> int:
    with raw.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def _collect_then_query(_i: int) -> int:
    gc.collect()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def test_an_unreachable_connection_is_finished_by_the_parent_not_by_a_child():
    keeper = _new_raw()
    try:
        orphan = _new_raw()
        orphan_pid = backend_pid(orphan)
        cycle = [orphan]
        cycle.append(cycle)  # garbage only the cyclic collector frees
        del orphan, cycle
        with fork_pool(2) as pool:
            pool.map(_collect_then_query, range(2))
        with keeper.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [orphan_pid])
            assert cur.fetchone()[0] == 0  # finished before the fork, by its owner
    finally:
        keeper.close()


class _ReopensOnCollection:
    """Garbage whose finaliser queries: collected before the fork, it opens Django's connection again."""

    def __init__(self):
        self.cycle = self

    def __del__(self):
        with connection.cursor() as cur:
            cur.execute("SELECT 1")


def _own_session(_i: int) -> tuple[int, int]:
    """Many queries on the child's connection: all answered, on one session of the child's own."""
    pids = set()
    for n in range(200):
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid(), %s", [n])
            pid, echoed = cur.fetchone()
            assert echoed == n
            pids.add(pid)
    assert len(pids) == 1
    return pids.pop(), os.getpid()


def test_a_connection_opened_by_a_finaliser_before_the_fork_is_not_shared_by_the_children():
    _ReopensOnCollection()
    with fork_pool(2) as pool:
        sessions = pool.map(_own_session, range(4), chunksize=1)
    parent = backend_pid(connection.connection if connection.connection else _raw_django())
    by_process = {}
    for session, pid in sessions:
        by_process.setdefault(pid, set()).add(session)
    assert all(len(s) == 1 for s in by_process.values())
    children = set().union(*by_process.values())
    assert len(children) == len(by_process) and parent not in children


def _raw_django():
    connection.ensure_connection()
    return connection.connection


_KEEPER = None


def _finish_the_inherited_copy(_i: int) -> int:
    _KEEPER.close()  # what freeing an inherited copy does: psycopg2 finishes the session (here: /dev/null)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def test_a_child_cannot_end_the_parents_sessions():
    global _KEEPER
    _KEEPER = _new_raw()
    other = {}
    go, done = threading.Event(), threading.Event()

    def another_thread():  # a Django connection of another thread of the parent, open across the fork
        other["before"] = backend_pid(_raw_django())
        go.set()
        done.wait(60)
        try:
            other["after"] = backend_pid(_raw_django())
        finally:
            connection.close()

    thread = threading.Thread(target=another_thread)
    thread.start()
    try:
        go.wait(60)
        before = backend_pid(_KEEPER)
        with fork_pool(2) as pool:
            children = pool.map(_finish_the_inherited_copy, range(2), chunksize=1)
        assert backend_pid(_KEEPER) == before  # the parent's session is alive and the same
        assert before not in children
    finally:
        done.set()
        thread.join(60)
        _KEEPER.close()
        _KEEPER = None
    assert other["after"] == other["before"]


def test_forking_inside_a_transaction_is_refused_and_leaves_it_open():
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        with pytest.raises(RuntimeError, match="inside a transaction"):
            with fork_pool(2):
                pass
        with connection.cursor() as cur:
            cur.execute("SELECT 2")
            assert cur.fetchone() == (2,)


def test_a_lazy_object_that_refuses_to_be_set_up_does_not_stop_the_fork():
    """A finished request leaves lazy objects (its CSP nonce) that raise when set up: finding the open
    connections must never set one up."""

    def refuse():
        raise RuntimeError("not available after the response")

    lazy = SimpleLazyObject(refuse)
    with fork_pool(2) as pool:
        assert len(pool.map(_own_session, range(2), chunksize=1)) == 2
    del lazy
