#!/usr/bin/env bash
# The install tests run the worker bundled in the npm tarball with Debian's own python3 and the
# distribution's pyserial, msgpack and pyzmq - no pip. Install them when they are missing.
set -euo pipefail
SYSTEM_PYTHON="${SYSTEM_PYTHON:-/usr/bin/python3}"
if [ -x "$SYSTEM_PYTHON" ] && "$SYSTEM_PYTHON" -c 'import serial, msgpack, zmq' 2>/dev/null; then
    exit 0
fi
echo "installing Debian's python3, python3-serial, python3-msgpack and python3-zmq" >&2
"$(dirname "$0")/apt-install.sh" python3 python3-serial python3-msgpack python3-zmq
"$SYSTEM_PYTHON" -c 'import serial, msgpack, zmq'
