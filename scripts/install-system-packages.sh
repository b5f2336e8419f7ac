#!/usr/bin/env bash
# Installs what the project needs from Debian's packages: Chromium, which the dashboard's browser
# test drives through playwright-core (never a browser build downloaded by playwright).
# Idempotent: does nothing when everything is there. Without root (or sudo) it says what to run
# and goes on: only the browser test needs it, and outside CI that test skips without it.
set -uo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Fonts, so the dashboard's screenshots show text rather than boxes.
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
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
