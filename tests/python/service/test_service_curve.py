"""CURVE: an allowed client is served, an unknown key gets nothing, and a network bind without
keys is refused at start-up."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zmq
from cli_runner import WorkerProcess, free_port, run_cli_json, run_many
from service_helpers import Clients, SimWorker, call, sim_url

from pyworker.service.security import keygen, load_key_pair, load_public_key


def curve_dealer(
    clients: Clients, endpoint: str, server_public: bytes, secret_file: Path
) -> zmq.Socket[Any]:
    pair = load_key_pair(secret_file)
    return clients.dealer(
        endpoint,
        curve_serverkey=server_public,
        curve_publickey=pair.public,
        curve_secretkey=pair.secret,
    )


def test_curve_admits_listed_keys_only(
    tmp_path: Path, sim_worker: Callable[..., SimWorker], clients: Clients
) -> None:
    server_public_file, server_secret = keygen(tmp_path / "server", "worker")
    allowed_public, allowed_secret = keygen(tmp_path / "nodered", "nodered")
    _, stranger_secret = keygen(tmp_path / "stranger", "stranger")
    (tmp_path / "clients").mkdir()
    shutil.copy(allowed_public, tmp_path / "clients")
    port = free_port()
    worker = sim_worker(
        "curve",
        "--bind",
        f"tcp://0.0.0.0:{port}",  # a network bind: allowed because of CURVE
        "--curve-secret-key",
        str(server_secret),
        "--curve-clients",
        str(tmp_path / "clients"),
        connect=f"tcp://127.0.0.1:{port}",
    )
    server_public = load_public_key(str(server_public_file))
    allowed = curve_dealer(clients, worker.endpoint, server_public, allowed_secret)
    reply = call(allowed, id="curve", op="query", command="QMOD")
    assert reply["ok"] and reply["id"] == "curve"

    stranger = curve_dealer(clients, worker.endpoint, server_public, stranger_secret)
    stranger.send(b"\x83\xa1v\x01\xa2id\x01\xa2op\xa6health")
    plain = clients.dealer(worker.endpoint)
    plain.send(b"\x83\xa1v\x01\xa2id\x02\xa2op\xa6health")
    assert not stranger.poll(1000) and not plain.poll(10)  # nothing at all

    health = ("request", "--connect", worker.endpoint, "health")
    server_key = ("--curve-server-key", str(server_public_file))
    code, reply = run_cli_json(*health, *server_key, "--curve-secret-key", str(allowed_secret))
    assert code == 0, reply
    assert reply["port"]["state"] == "connected"
    code, reply = run_cli_json(
        *health, *server_key, "--curve-secret-key", str(stranger_secret), "--timeout-ms", "300"
    )
    assert code == 2
    error = reply["error"]
    assert error["code"] == "NO_REPLY"
    assert "refused this client's CURVE keys" in error["message"], error  # said, not guessed


def test_network_bind_without_keys_is_refused_at_start_up() -> None:
    url = sim_url("refused", f"tcp://127.0.0.1:{free_port()}")
    process = WorkerProcess(["--port", url, "--bind", f"tcp://0.0.0.0:{free_port()}"])
    assert process.wait(20) == 2
    assert "refusing to bind" in process.log and "listening" not in process.log


def test_unusable_security_settings_stop_the_start_up(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    _, secret = keygen(tmp_path / "server", "worker")
    network = f"tcp://0.0.0.0:{free_port()}"
    cases = [
        (["--bind", f"tcp://*:{free_port()}"], "refusing to bind"),
        (["--curve-secret-key", str(secret)], "go together"),
        (
            [
                "--bind",
                network,
                "--curve-secret-key",
                str(tmp_path / "missing.key_secret"),
                "--curve-clients",
                str(tmp_path / "empty"),
            ],
            "cannot read the key file",
        ),
        (
            [
                "--bind",
                network,
                "--curve-secret-key",
                str(secret),
                "--curve-clients",
                str(tmp_path / "empty"),
            ],
            "no .key file",
        ),
        (["--allow-set", "POP,QPIGS"], "QPIGS is not a PI30 setter"),
    ]
    results = run_many([["serve", "--port", "sim://?model=pi30", *extra] for extra, _ in cases])
    for (extra, fragment), done in zip(cases, results, strict=True):
        assert done.returncode == 2, (extra, done.stderr)
        assert fragment in done.stderr, extra
