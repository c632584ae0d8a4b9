#!/usr/bin/env bash
# make deploy-check: build the image, run hadolint, then smoke-test the container and the compose file.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! docker info >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null; then
        echo "starting dockerd"
        (dockerd >/tmp/dockerd.log 2>&1 &)
        for _ in $(seq 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
    fi
    docker info >/dev/null 2>&1 || { echo "error: no Docker engine (apt-get install docker.io, start dockerd)"; exit 2; }
fi
if timeout 60 docker pull python:3.11-slim >/dev/null 2>&1; then
    BASE=$(docker image inspect --format '{{index .RepoDigests 0}}' python:3.11-slim)
    echo "base: $BASE (pulled, pinned by digest)"
else
    command -v debootstrap >/dev/null || { echo "error: python:3.11-slim cannot be pulled and debootstrap is missing"; exit 2; }
    ID=$(deploy/base-image.sh innoprom-base:bookworm)
    BASE=innoprom-base:bookworm
    echo "base: python:3.11-slim cannot be pulled here; using a local Debian bookworm image made with debootstrap ($ID)"
fi
.venv/bin/hadolint deploy/Dockerfile && echo "ok   hadolint deploy/Dockerfile"
# The host's pip downloads the locked wheels (with the host's index, proxy and certificates) and serves them
# to the build on 127.0.0.1.
mkdir -p build/wheels
.venv/bin/pip download --quiet --disable-pip-version-check -r deploy/requirements.lock setuptools wheel \
    -d build/wheels 2>/dev/null
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/python -m http.server --bind 127.0.0.1 --directory build/wheels "$PORT" >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
docker build --quiet --network host --build-arg BASE_IMAGE="$BASE" \
    --build-arg PIP_FIND_LINKS="http://127.0.0.1:$PORT/" --build-arg PIP_NO_INDEX=1 \
    -f deploy/Dockerfile -t innoprom-bot:check . >/dev/null
echo "ok   image built: innoprom-bot:check ($(docker image inspect --format '{{.Size}}' innoprom-bot:check | awk '{printf "%.0f MB", $1/1e6}'))"
.venv/bin/python deploy/smoke.py innoprom-bot:check
