"""The topology helpers fail with an error that says what did not start and shows its output."""

from __future__ import annotations

import socket

import pytest

from .procs import Group, TopologyError, binary, run
from .redis_topology import redis_server

pytestmark = pytest.mark.scale


def test_a_server_that_cannot_start_names_itself_and_shows_its_output() -> None:
    group = Group("error")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            with pytest.raises(TopologyError) as failure:
                redis_server(group, "taken", ["--port", str(port), "--bind", "127.0.0.1"], {}, port)
        finally:
            group.close()
    message = str(failure.value)
    assert "redis-server taken" in message
    assert "exited before PING answer" in message
    assert "Address already in use" in message
    assert not group.base.exists()


def test_a_missing_program_says_how_to_install_it() -> None:
    with pytest.raises(TopologyError, match=r"no-such-server is not installed \(apt-get install it\)"):
        binary("no-such-server", "apt-get install it")


def test_a_failing_setup_command_shows_its_output() -> None:
    with pytest.raises(TopologyError, match=r"making things: .* exited with 3:\nboom"):
        run(["sh", "-c", "echo boom; exit 3"], "making things")
