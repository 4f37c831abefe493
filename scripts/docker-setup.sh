#!/usr/bin/env bash
# Docker side of the course kit: start dockerd, bootstrap a base image, build the sandbox image.
#
#   bash scripts/docker-setup.sh
#
# Installs nothing from apt (scripts/setup.sh --ci does that: docker.io, debootstrap).
# Steps, each skipped when already done (a second run takes seconds):
#   1. start dockerd if the daemon does not answer, and wait for it;
#   2. base image $BASE_IMAGE (default course-kit-base:bookworm): a debootstrap'ed Debian
#      bookworm (minbase + python3 + python3-venv) imported with `docker import`, because no
#      image can be pulled here;
#   3. wheels for numpy, scipy, scikit-learn, pandas and torch (CPU) in .cache/wheels,
#      fetched on the host with `pip download` (the image build itself is offline);
#   4. the sandbox image $IMAGE (default course-kit-sandbox:latest) via `course image build`
#      (grader/image.py), rebuilt only when the Dockerfile, the worker or the wheels changed.
#
# Environment: BASE_IMAGE, IMAGE, DEBIAN_MIRROR (default: the host's apt mirror, else
# debootstrap's default), PYTHON (default .venv/bin/python, else python3), FORCE=1 rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE="${BASE_IMAGE:-course-kit-base:bookworm}"
IMAGE="${IMAGE:-course-kit-sandbox:latest}"
WHEELS=".cache/wheels"
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
log() { echo "docker-setup: $*" >&2; }

# 1. the daemon -----------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
    if ! command -v dockerd >/dev/null 2>&1; then
        log "dockerd not found; run scripts/setup.sh --ci first"; exit 1
    fi
    log "starting dockerd (log: /var/log/dockerd.log)"
    $SUDO sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
    docker info >/dev/null 2>&1 || { log "dockerd did not come up; see /var/log/dockerd.log"; exit 1; }
fi

# 2. the base image -------------------------------------------------------------------
host_mirror() {
    # First Debian URI of the host's apt configuration (deb822 or one-line format).
    local uri=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        uri="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
    fi
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri="$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)"
    fi
    case "$uri" in */debian) echo "$uri" ;; *) echo "" ;; esac
}

if [ "${FORCE:-0}" = 1 ] || ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    case "$BASE_IMAGE" in
    course-kit-base:*)
        command -v debootstrap >/dev/null 2>&1 || { log "debootstrap not found; run scripts/setup.sh --ci first"; exit 1; }
        MIRROR="${DEBIAN_MIRROR:-$(host_mirror)}"
        ROOTFS="$(mktemp -d /tmp/course-kit-rootfs.XXXXXX)"
        trap '$SUDO rm -rf "$ROOTFS"' EXIT
        log "debootstrap bookworm (minbase + python3 + python3-venv) into $ROOTFS"
        # shellcheck disable=SC2086
        $SUDO debootstrap --variant=minbase --include=python3,python3-venv \
            bookworm "$ROOTFS" $MIRROR >/tmp/course-kit-debootstrap.log 2>&1 \
            || { log "debootstrap failed; see /tmp/course-kit-debootstrap.log"; exit 1; }
        # Smaller image: no package caches, docs or locales.
        $SUDO rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
            "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/locale/*
        log "docker import -> $BASE_IMAGE"
        $SUDO tar -C "$ROOTFS" --numeric-owner -c . | docker import \
            -c 'ENV LANG=C.UTF-8' -c 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
        $SUDO rm -rf "$ROOTFS"
        trap - EXIT
        ;;
    *)
        log "base image $BASE_IMAGE is missing and cannot be pulled here; build or load it first"
        exit 1
        ;;
    esac
else
    log "base image $BASE_IMAGE present"
fi

# 3. wheels ---------------------------------------------------------------------------
# torch's CPU wheel is taken from a local wheel folder when one exists (WHEEL_SOURCES);
# pip resolves the rest (and torch's own dependencies) for the image's Python (3.11).
mkdir -p "$WHEELS"
if ! ls "$WHEELS"/torch-2.13.0*.whl >/dev/null 2>&1 || [ ! -f "$WHEELS/.complete" ]; then
    rm -f "$WHEELS/.complete"
    TORCH_SPEC="torch==2.13.0"
    for dir in ${WHEEL_SOURCES:-/opt/wheels}; do
        for whl in "$dir"/torch-2.13.0+cpu-cp311-*.whl; do
            [ -f "$whl" ] && TORCH_SPEC="$whl"
        done
    done
    log "pip download -> $WHEELS (torch from ${TORCH_SPEC})"
    "$PYTHON" -m pip download -q --disable-pip-version-check --dest "$WHEELS" \
        --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform linux_x86_64 \
        "$TORCH_SPEC" numpy scipy scikit-learn pandas
    touch "$WHEELS/.complete"
else
    log "wheels present in $WHEELS"
fi

# 4. the sandbox image ----------------------------------------------------------------
log "course image build (base $BASE_IMAGE -> $IMAGE)"
"$PYTHON" -c 'import sys; from grader.image import build_image; build_image(base_image=sys.argv[1], tag=sys.argv[2], wheels=sys.argv[3], quiet_if_current=True)' \
    "$BASE_IMAGE" "$IMAGE" "$WHEELS"
log "ready: $IMAGE"
