"""Forked pools (runs and projections spread chunks over them) never reach the parent's database sessions:
a child that frees or closes its inherited copy of a parent's connection, as psycopg2 does when a
child's collector frees it, must leave the parent's session alive, and each child queries on its own."""

import gc

import pytest
from django.db import connection

from accounts.forking import fork_pool

pytestmark = pytest.mark.django_db(transaction=True)

_HELD: dict = {}


def _close_inherited_then_query(_i: int) -> int:
    _HELD["raw"].close()  # libpq sends a Terminate on the socket the child inherited
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def _new_raw():
    raw = connection.get_new_connection(connection.get_connection_params())
    raw.autocommit = True
    return raw


def backend_pid(raw) -> int:
    with raw.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def test_a_child_closing_an_inherited_connection_leaves_the_parents_session_alive():
    raw = _HELD["raw"] = _new_raw()
    try:
        parent_pid = backend_pid(raw)
        with fork_pool(2) as pool:
            child_pids = pool.map(_close_inherited_then_query, range(4))
        assert backend_pid(raw) == parent_pid  # still the same session, still answering
        assert parent_pid not in child_pids
        assert len(set(child_pids)) >= 1 and all(child_pids)
    finally:
        _HELD.clear()
        raw.close()


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
