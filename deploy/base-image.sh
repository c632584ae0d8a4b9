#!/usr/bin/env bash
# Makes a local Debian bookworm base image with Python 3.11, for hosts that cannot pull python:3.11-slim.
# Prints the image's id (immutable, so the build is pinned to exactly this base). Needs root and debootstrap.
set -euo pipefail
TAG=${1:-innoprom-base:bookworm}
if ! docker image inspect "$TAG" >/dev/null 2>&1; then
    ROOTFS=$(mktemp -d)
    trap 'rm -rf "$ROOTFS"' EXIT
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$ROOTFS" \
        http://deb.debian.org/debian >&2
    chroot "$ROOTFS" apt-get clean
    rm -rf "$ROOTFS"/var/lib/apt/lists/*
    ln -sf /usr/bin/python3 "$ROOTFS/usr/local/bin/python"
    tar -C "$ROOTFS" -c . | docker import -c 'CMD ["/bin/bash"]' - "$TAG" >&2
fi
docker image inspect --format '{{.Id}}' "$TAG"
