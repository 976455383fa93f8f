"""Processes of the scale tests: started in a session of their own, stopped by their PID (process group)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path


class TopologyError(RuntimeError):
    """A server of a test topology did not start or did not reach the expected state."""


def binary(name: str, hint: str) -> str:
    path = shutil.which(name) or (name if os.path.isabs(name) and os.access(name, os.X_OK) else None)
    if path is None:
        raise TopologyError(f"{name} is not installed ({hint})")
    return path


def workdir(prefix: str, *, owner: str | None = None) -> Path:
    """A fresh directory; ``owner`` (a user name) gets it when we run as root."""
    path = Path(tempfile.mkdtemp(prefix=f"tr-scale-{prefix}-"))
    if owner is not None and os.geteuid() == 0:
        shutil.chown(path, owner, owner)
    return path


def as_user(user: str, args: Sequence[str]) -> list[str]:
    """``args`` run as ``user`` when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", user, "--", *args] if os.geteuid() == 0 else list(args)


class Proc:
    """One server process (with its children), its output in ``log``."""

    def __init__(self, name: str, args: Sequence[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.stop_signal = signal.SIGTERM
        self.args = list(args)
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                self.args,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # its own process group: stop() reaches every child
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: signal.Signals | None = None, timeout: float = 10.0) -> None:
        """Signal the process group (``stop_signal`` by default), then SIGKILL it if it has not exited
        within ``timeout``."""
        sig = self.stop_signal if sig is None else sig
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):  # children left behind by a leader that exited
            os.killpg(self.pid, signal.SIGKILL)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no output)"

    def failure(self, what: str) -> TopologyError:
        state = "running" if self.running() else f"exited with {self.process.returncode}"
        return TopologyError(f"{self.name}: {what} ({state}; {self.log}):\n{self.tail()}")


def wait_until(check: Callable[[], bool], timeout: float, proc: Proc | None, what: str) -> None:
    """Poll ``check`` (exceptions count as "not yet") until true; else a TopologyError with the server's output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        if proc is not None and not proc.running():
            raise proc.failure(f"exited before {what}")
        time.sleep(0.05)
    if proc is not None:
        raise proc.failure(f"no {what} within {timeout:g}s")
    raise TopologyError(f"no {what} within {timeout:g}s")


def run(args: Sequence[str], what: str, timeout: float = 60.0) -> str:
    """Run a setup command; a TopologyError with its output when it fails."""
    try:
        done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise TopologyError(f"{what}: {' '.join(args)} took more than {timeout:g}s") from exc
    if done.returncode != 0:
        raise TopologyError(f"{what}: {' '.join(args)} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


class Group:
    """Every process of one topology; ``close()`` stops them all, the last started first."""

    def __init__(self, name: str, *, owner: str | None = None) -> None:
        self.procs: list[Proc] = []
        self.base = workdir(name, owner=owner)  # removed by close()

    def add(self, proc: Proc) -> Proc:
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        errors = []
        for proc in reversed(self.procs):
            try:
                proc.stop()
            except Exception as exc:
                errors.append(f"{proc.name}: {exc}")
        shutil.rmtree(self.base, ignore_errors=True)
        if errors:
            raise TopologyError("could not stop: " + "; ".join(errors))
