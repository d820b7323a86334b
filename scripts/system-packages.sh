#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are not installed yet.
#
# - Nothing missing: does nothing at all (no apt-get update, no sudo prompt).
# - Something missing: one `apt-get update` and one `apt-get install` for exactly the missing
#   packages, non-interactive; as root directly, otherwise through sudo.
# - Not root and no sudo: one line saying what to install, exit 1.
set -euo pipefail

missing=()
for package in "$@"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)"
    if [ "$status" != "installed" ]; then
        missing+=("$package")
    fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "Missing Debian packages (${missing[*]}): run make as root or install sudo, or install them yourself: apt-get install ${missing[*]}" >&2
    exit 1
fi

echo "Installing Debian packages: ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
