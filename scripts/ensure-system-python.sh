#!/usr/bin/env bash
# The install tests run the worker bundled in the npm tarball with Debian's own python3 and the
# distribution's pyserial, msgpack and pyzmq - no pip. Install them when they are missing (CI
# and fresh machines run as root; elsewhere through sudo).
set -euo pipefail
SYSTEM_PYTHON="${SYSTEM_PYTHON:-/usr/bin/python3}"
if [ -x "$SYSTEM_PYTHON" ] && "$SYSTEM_PYTHON" -c 'import serial, msgpack, zmq' 2>/dev/null; then
    exit 0
fi
echo "installing Debian's python3, python3-serial, python3-msgpack and python3-zmq" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null; then
    SUDO="sudo"
else
    echo "run as root: apt-get install -y python3 python3-serial python3-msgpack python3-zmq" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends python3 python3-serial python3-msgpack python3-zmq
"$SYSTEM_PYTHON" -c 'import serial, msgpack, zmq'
