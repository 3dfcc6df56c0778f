#!/usr/bin/env bash
# The browser tests drive Debian's chromium with playwright-core: install it when it is missing
# (CI and fresh machines run as root; elsewhere through sudo).
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
echo "chromium not found at $CHROMIUM: installing Debian's chromium package" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null; then
    SUDO="sudo"
else
    echo "run as root: apt-get update && apt-get install -y chromium" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium
test -x "$CHROMIUM"
