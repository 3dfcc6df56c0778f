"""Who may talk to the worker: loopback-only unless CURVE (or an explicit --insecure).

Keys are zmq certificate files (``NAME.key`` public, ``NAME.key_secret`` both keys, Z85 text)
as ``zmq.auth.create_certificates`` writes them; a file holding a bare 40-character Z85 key
works too.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zmq
import zmq.auth

from ..errors import Pi30Error


class SecurityError(Pi30Error):
    """A start-up refusal: unsafe bind, missing or unreadable keys."""

    code = "SECURITY"


@dataclass(frozen=True)
class KeyPair:
    public: bytes
    secret: bytes


def endpoint_is_local(endpoint: str) -> bool:
    """True for ipc://, inproc:// and tcp:// on a loopback address (127.0.0.0/8, ::1)."""
    scheme, _, rest = endpoint.partition("://")
    if scheme in ("ipc", "inproc"):
        return True
    if scheme != "tcp":
        return False
    host = rest.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # "*", an interface name or a host name: reachable from elsewhere


def _z85_key(text: bytes) -> bytes | None:
    key = text.strip().strip(b"'\"")
    return key if len(key) == 40 else None


def load_key_pair(path: str | Path) -> KeyPair:
    """A secret key file (zmq ``.key_secret``, or a bare Z85 secret key)."""
    try:
        public, secret = zmq.auth.load_certificate(path)
    except ValueError:
        raw = _read(path)
        secret = _z85_key(raw)
        if secret is None:
            raise SecurityError(f"{path}: neither a zmq certificate nor a Z85 key") from None
        public = zmq.curve_public(secret)
    except OSError as exc:
        raise SecurityError(f"cannot read the key file {path}: {exc}") from None
    if secret is None:
        raise SecurityError(f"{path} holds only a public key; give the .key_secret file")
    return KeyPair(public, secret)


def load_public_key(value: str) -> bytes:
    """A public key given as a Z85 string or as a file (zmq ``.key`` or bare Z85)."""
    if len(value) == 40 and not os.path.exists(value):
        return value.encode("ascii")
    try:
        public, _secret = zmq.auth.load_certificate(value)
        return public
    except ValueError:
        key = _z85_key(_read(value))
        if key is None:
            raise SecurityError(f"{value}: neither a zmq certificate nor a Z85 key") from None
        return key
    except OSError as exc:
        raise SecurityError(f"cannot read the public key {value}: {exc}") from None


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SecurityError(f"cannot read the key file {path}: {exc}") from None


def check_binds(
    endpoints: list[str], secret_key: str | None, clients_dir: str | None, insecure: bool
) -> None:
    """Refuse to start with a network-reachable bind that nothing protects."""
    if (secret_key is None) != (clients_dir is None):
        raise SecurityError("--curve-secret-key and --curve-clients go together")
    if secret_key is not None or insecure:
        return
    exposed = [e for e in endpoints if not endpoint_is_local(e)]
    if exposed:
        raise SecurityError(
            f"refusing to bind {', '.join(exposed)} without CURVE: give --curve-secret-key FILE "
            "and --curve-clients DIR (see `pi30-worker keygen`), bind a loopback or ipc:// "
            "endpoint, or pass --insecure"
        )


def check_curve_files(secret_key: str, clients_dir: str) -> None:
    """Fail at start-up, not at bind time, on a missing key or client directory."""
    load_key_pair(secret_key)
    clients = Path(clients_dir)
    if not clients.is_dir():
        raise SecurityError(f"--curve-clients {clients_dir}: not a directory")
    if not any(clients.glob("*.key")):
        raise SecurityError(f"--curve-clients {clients_dir}: no .key file: no client could connect")


def setup_server_curve(
    context: zmq.Context[Any], socket: zmq.Socket[Any], secret_key: str, clients_dir: str
) -> Any:
    """Make ``socket`` a CURVE server that admits only the public keys in ``clients_dir``.

    Returns the started authenticator (stop it at shutdown).
    """
    if not zmq.has("curve"):
        raise SecurityError("this libzmq has no CURVE support")
    clients = Path(clients_dir)
    if not clients.is_dir():
        raise SecurityError(f"--curve-clients {clients_dir}: not a directory")
    keys = load_key_pair(secret_key)
    from zmq.auth.thread import ThreadAuthenticator

    auth = ThreadAuthenticator(context)
    auth.start()
    auth.configure_curve(domain="*", location=str(clients))
    socket.curve_secretkey = keys.secret
    socket.curve_publickey = keys.public
    socket.curve_server = True
    return auth


def setup_client_curve(socket: zmq.Socket[Any], server_key: str, secret_key: str) -> None:
    keys = load_key_pair(secret_key)
    socket.curve_secretkey = keys.secret
    socket.curve_publickey = keys.public
    socket.curve_serverkey = load_public_key(server_key)


def keygen(directory: str | Path, name: str) -> tuple[Path, Path]:
    """Write ``NAME.key`` (public) and ``NAME.key_secret`` (private, mode 0600) to directory."""
    if not zmq.has("curve"):
        raise SecurityError("this libzmq has no CURVE support")
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    for suffix in (".key", ".key_secret"):
        if (target / f"{name}{suffix}").exists():
            raise SecurityError(f"{target / (name + suffix)} exists; not overwriting it")
    public_file, secret_file = zmq.auth.create_certificates(target, name)
    try:
        os.chmod(secret_file, 0o600)
    except OSError:  # pragma: no cover - filesystems without modes
        pass
    return Path(public_file), Path(secret_file)
