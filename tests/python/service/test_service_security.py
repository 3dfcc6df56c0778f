"""Bind policy and CURVE key files (the socket-level CURVE tests run real workers)."""

from __future__ import annotations

from pathlib import Path

import pytest
import zmq
from cli_runner import run_cli_json

from pyworker.service.security import (
    SecurityError,
    check_binds,
    endpoint_is_local,
    keygen,
    load_key_pair,
    load_public_key,
)


@pytest.mark.parametrize(
    ("endpoint", "local"),
    [
        ("tcp://127.0.0.1:5630", True),
        ("tcp://127.1.2.3:5630", True),
        ("tcp://localhost:5630", True),
        ("tcp://[::1]:5630", True),
        ("ipc:///run/pi30/worker.sock", True),
        ("inproc://x", True),
        ("tcp://*:5630", False),
        ("tcp://0.0.0.0:5630", False),
        ("tcp://192.168.1.5:5630", False),
        ("tcp://eth0:5630", False),
        ("tcp://[::]:5630", False),
        ("ws://127.0.0.1:5630", False),
    ],
)
def test_endpoint_is_local(endpoint: str, local: bool) -> None:
    assert endpoint_is_local(endpoint) is local


def test_check_binds() -> None:
    check_binds(["tcp://127.0.0.1:5630", "ipc:///tmp/x"], None, None, insecure=False)
    check_binds(["tcp://*:5630"], None, None, insecure=True)
    check_binds(["tcp://*:5630"], "worker.key_secret", "clients", insecure=False)
    with pytest.raises(SecurityError, match="without CURVE"):
        check_binds(["tcp://127.0.0.1:1", "tcp://0.0.0.0:5630"], None, None, insecure=False)
    with pytest.raises(SecurityError, match="go together"):
        check_binds(["tcp://127.0.0.1:1"], "worker.key_secret", None, insecure=False)


def test_keygen_writes_loadable_pair(tmp_path: Path) -> None:
    public_file, secret_file = keygen(tmp_path / "keys", "worker")
    pair = load_key_pair(secret_file)
    assert load_public_key(str(public_file)) == pair.public
    assert zmq.curve_public(pair.secret) == pair.public
    assert secret_file.stat().st_mode & 0o077 == 0
    with pytest.raises(SecurityError, match="exists"):
        keygen(tmp_path / "keys", "worker")
    with pytest.raises(SecurityError, match="only a public key"):
        load_key_pair(public_file)


def test_bare_z85_keys(tmp_path: Path) -> None:
    public, secret = zmq.curve_keypair()
    (tmp_path / "secret.txt").write_bytes(secret + b"\n")
    assert load_key_pair(tmp_path / "secret.txt").public == public
    assert load_public_key(public.decode()) == public
    (tmp_path / "junk").write_text("not a key")
    with pytest.raises(SecurityError):
        load_key_pair(tmp_path / "junk")
    with pytest.raises(SecurityError):
        load_key_pair(tmp_path / "missing")


def test_keygen_cli_prints_the_public_key(tmp_path: Path) -> None:
    code, out = run_cli_json("keygen", str(tmp_path), "--name", "nodered")
    assert code == 0
    assert out["public_key"] == load_public_key(out["public_key_file"]).decode()
    assert Path(out["secret_key_file"]).name == "nodered.key_secret"
