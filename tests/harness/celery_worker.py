"""A real Celery worker (prefork, 2 children) of tests/harness/celery_app.py, on a broker of the test's own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from ..services import RedisServer

REPO = Path(__file__).resolve().parents[2]


class CeleryWorker:
    def __init__(self, broker: RedisServer, env: dict[str, str]) -> None:
        self.broker = broker
        self.log = Path(tempfile.mkstemp(prefix="tr-celery-", suffix=".log")[1])
        args = ["worker", "--pool=prefork", "--concurrency=2", "--loglevel=INFO"]
        args += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"tr-{broker.port}@localhost"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tests.harness.celery_app", *args],
                cwd=REPO,
                env={**env, "TR_CELERY_REDIS": broker.url, "TR_CELERY_WORKER": "1"},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its children share its process group, stopped with it
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        """A warm shutdown (SIGTERM), then SIGKILL to the worker's own process group if it hangs."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # a child left behind
        self.log.unlink(missing_ok=True)
