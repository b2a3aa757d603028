#!/usr/bin/env bash
# Bring what the browser tests need: Debian's chromium at /usr/bin/chromium (the report test drives
# it with playwright-core, which never downloads a browser). Run by `npm test` (as `pretest`) so
# that README's test command passes on a fresh Debian/Ubuntu machine; a no-op when it is there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: /usr/bin/chromium is missing and this is not a Debian-like system; install Chromium at /usr/bin/chromium" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "ensure-chromium: run 'sudo apt-get install -y chromium' once (the report test needs /usr/bin/chromium)" >&2
    exit 1
  fi
fi
start=$(date +%s)
echo "ensure-chromium: installing Debian's chromium package (once)…" >&2
$SUDO apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
  || { $SUDO apt-get update -qq && $SUDO apt-get install -y --no-install-recommends chromium >/dev/null; }
echo "ensure-chromium: chromium installed in $(( $(date +%s) - start )) s: $(/usr/bin/chromium --version)" >&2
