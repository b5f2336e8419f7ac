#!/usr/bin/env bash
# Installs what the project needs from Debian's packages: Chromium, which the dashboard's browser
# test drives through playwright-core (never a browser build downloaded by playwright), and
# redis-server, the store of the BullMQ queue that `bidmesh experiment --queue` and
# `bidmesh worker` share (the queue tests start their own on a free loopback port).
# Idempotent: does nothing when everything is there. Without root (or sudo) it says what to run
# and goes on: only the browser and queue tests need them, and outside CI those tests skip without them.
set -uo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Fonts, so the dashboard's screenshots show text rather than boxes.
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "bidmesh setup: ${missing[*]} missing and no root to install it; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 0
fi

echo "bidmesh setup: installing ${missing[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq || exit $?
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || exit $?
