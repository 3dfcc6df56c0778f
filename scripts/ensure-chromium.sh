#!/usr/bin/env bash
# The browser tests drive Debian's chromium with playwright-core: install it when it is missing.
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
echo "chromium not found at $CHROMIUM: installing Debian's chromium package" >&2
"$(dirname "$0")/apt-install.sh" chromium
test -x "$CHROMIUM"
