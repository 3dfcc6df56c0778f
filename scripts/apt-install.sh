#!/usr/bin/env bash
# apt-install.sh PACKAGE...: install Debian packages a test needs (CI and fresh machines run as
# root; elsewhere through sudo).
set -euo pipefail
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null; then
    SUDO="sudo"
else
    echo "run as root: apt-get update && apt-get install -y $*" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q "$@"
