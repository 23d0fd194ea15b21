"""Real processes for integration tests: a redis-server on a free loopback port and Celery workers,
each started here and stopped by PID."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """The URL of the database this test process uses (the test database), for child processes."""
    d = connection.settings_dict
    if not d["HOST"] or d["HOST"].startswith("/"):
        return f"postgresql://{d['USER']}:{d['PASSWORD']}@/{d['NAME']}?host={d['HOST']}"
    return f"postgresql://{d['USER']}:{d['PASSWORD']}@{d['HOST']}:{d['PORT'] or 5432}/{d['NAME']}"


class RedisServer:
    def __init__(self, tmp_path: Path):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(binary):
            raise RuntimeError("redis-server is not installed: run `make test`, which installs it with apt-get")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self):
        stop_pid(self.proc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@contextmanager
def celery_broker(url: str):
    """Point this process's Celery app at the broker `url` for the duration: the tasks the test thread and
    the live server's thread queue then go to the workers started with the same URL. The app reads Django
    settings under the CELERY_ namespace, so the keys carry the prefix."""
    from enclave_portal.celery import app

    def reset():
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    old = dict(CELERY_BROKER_URL=app.conf.broker_url, CELERY_BROKER_TRANSPORT_OPTIONS=app.conf.broker_transport_options)
    app.conf.update(CELERY_BROKER_URL=url, CELERY_BROKER_TRANSPORT_OPTIONS={"visibility_timeout": 3600})
    reset()
    try:
        yield app
    finally:
        app.conf.update(**old)
        reset()


class CeleryWorker:
    def __init__(self, redis_url: str, tmp_path: Path, name: str, extra_env: dict | None = None, concurrency: int = 2):
        env = dict(
            os.environ,
            REDIS_URL=redis_url,
            DATABASE_URL=database_url(),
            PAYOUT_RUNS_ON_CELERY="1",
            DJANGO_SETTINGS_MODULE="enclave_portal.settings",
            **(extra_env or {}),
        )
        self.log = tmp_path / f"{name}.log"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "enclave_portal",
                "worker",
                "--loglevel=INFO",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(self.log, "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if "ready." in self.log.read_text(errors="replace"):
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("celery worker did not become ready")

    def kill(self):
        """SIGKILL the whole process group: the worker dies mid-task, as in a crash."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)

    def stop(self):
        stop_pid(self.proc, group=True)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def succeeded(self, task_name: str) -> int:
        """How many runs of the task the worker logged as succeeded (celery's INFO line per task)."""
        return len(re.findall(rf"Task {re.escape(task_name)}\[[0-9a-f-]+\] succeeded", self.log_text()))


def stop_pid(proc: subprocess.Popen, group: bool = False) -> None:
    if proc.poll() is not None:
        return
    try:
        (os.killpg if group else os.kill)(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            (os.killpg if group else os.kill)(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


def wait_for(predicate, timeout: float = 60, interval: float = 0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")
