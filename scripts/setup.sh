#!/usr/bin/env bash
# Set up the course kit on a bare Debian/Ubuntu machine (run as root, or with sudo available).
#
#   bash scripts/setup.sh          Python environment (.venv) + bubblewrap + the course secret
#                                  (.course-secret): enough for `course demo` and `course grade`
#   bash scripts/setup.sh --ci     also Docker (docker.io, dockerd) and the sandbox image, and
#                                  PostgreSQL (the tests start their own cluster as user postgres),
#                                  Chromium + chromedriver (the web page tests, headless)
#
# Idempotent: a second run only checks that everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-}"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "setup: installing ${missing[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

if command -v apt-get >/dev/null 2>&1; then
    apt_install bubblewrap python3-venv
    if [ "$MODE" = "--ci" ]; then
        apt_install docker.io debootstrap postgresql chromium chromium-driver
    fi
else
    echo "setup: no apt-get here; install bubblewrap (and Docker for --ci) yourself" >&2
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$PY" -m venv .venv
fi
# torch first and pinned: its CPU build, so the resolver never pulls CUDA packages.
.venv/bin/python -m pip install -q --disable-pip-version-check torch==2.13.0
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

# This repository is itself a course: its hidden grading needs a random course secret,
# created once (0600, listed in .gitignore) and never overwritten or committed.
if [ ! -e .course-secret ]; then
    .venv/bin/python -c 'import cli; cli.app()' secret init --course .
fi

if [ "$MODE" = "--ci" ]; then
    bash scripts/docker-setup.sh
fi
echo "setup: ready (.venv/bin/course --help)"
