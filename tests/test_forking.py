"""Forked pools (runs and projections spread chunks over them): garbage connections are finished by the
parent before the fork, never by a child's collector, and each child queries on its own connection."""

import gc

import pytest
from django.db import connection

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
