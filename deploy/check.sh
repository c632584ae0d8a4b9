#!/usr/bin/env bash
# make deploy-check: build the image, run hadolint, then smoke-test the container and the compose file.
#
# Needs Docker's engine (Debian: docker.io), Docker Compose (docker-compose, or Docker's compose plugin) and,
# where python:3.11-slim cannot be pulled, debootstrap: what is missing is said in one line before anything is
# done. It leaves nothing behind but its images (innoprom-bot:check, and the local base when it made one):
# a dockerd it started is stopped, its containers and volumes are removed, the image a rebuild replaced is
# pruned, and no file of deploy/ is written (deploy/bot.env is the operator's).
set -euo pipefail
cd "$(dirname "$0")/.."
needs() { echo "error: make deploy-check needs $1, which is missing here ($2)" >&2; exit 2; }
command -v docker >/dev/null || needs "Docker" "apt-get install docker.io"
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null \
    || needs "Docker Compose" "apt-get install docker-compose, or Docker's docker-compose-plugin"
[ -x .venv/bin/hadolint ] || needs "the project's environment" "make test creates it"

DOCKERD=""
SERVER=""
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
    if [ -n "$DOCKERD" ]; then kill "$DOCKERD" 2>/dev/null && wait "$DOCKERD" 2>/dev/null || true; fi
}
trap cleanup EXIT
if ! docker info >/dev/null 2>&1; then
    command -v dockerd >/dev/null || needs "a running Docker engine" "apt-get install docker.io, then start dockerd"
    [ "$(id -u)" = 0 ] || needs "a running Docker engine" "start dockerd, or run this as root to let it start one"
    echo "starting dockerd (stopped again at the end)"
    dockerd >/tmp/innoprom-dockerd.log 2>&1 &
    DOCKERD=$!
    for _ in $(seq 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { echo "error: dockerd did not start (see /tmp/innoprom-dockerd.log)" >&2; exit 2; }
fi
if timeout 60 docker pull python:3.11-slim >/dev/null 2>&1; then
    BASE=$(docker image inspect --format '{{index .RepoDigests 0}}' python:3.11-slim)
    echo "base: $BASE (pulled, pinned by digest)"
else
    command -v debootstrap >/dev/null \
        || needs "debootstrap" "python:3.11-slim cannot be pulled here, so the base is made locally: apt-get install debootstrap"
    ID=$(deploy/base-image.sh innoprom-base:bookworm)
    BASE=innoprom-base:bookworm
    echo "base: python:3.11-slim cannot be pulled here; using a local Debian bookworm image made with debootstrap ($ID)"
fi
.venv/bin/hadolint deploy/Dockerfile && echo "ok   hadolint deploy/Dockerfile"
# The host's pip downloads the locked wheels (with the host's index, proxy and certificates) and serves them
# to the build on 127.0.0.1, on a fixed port when it is free: the address is a build argument, and the same
# one keeps the dependency layer cached from one run to the next.
mkdir -p build/wheels
.venv/bin/pip download --quiet --disable-pip-version-check -r deploy/requirements.lock setuptools wheel \
    -d build/wheels 2>/dev/null
PORT=$(.venv/bin/python -c 'import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server does: the last run'"'"'s TIME_WAIT is no obstacle
try:
    s.bind(("127.0.0.1", 38917))
except OSError:
    s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
.venv/bin/python -m http.server --bind 127.0.0.1 --directory build/wheels "$PORT" >/dev/null 2>&1 &
SERVER=$!
docker build --quiet --network host --label innoprom-check=1 --build-arg BASE_IMAGE="$BASE" \
    --build-arg PIP_FIND_LINKS="http://127.0.0.1:$PORT/" --build-arg PIP_NO_INDEX=1 \
    -f deploy/Dockerfile -t innoprom-bot:check . >/dev/null
docker image prune --force --filter label=innoprom-check=1 >/dev/null  # the image this build replaced
echo "ok   image built: innoprom-bot:check ($(docker image inspect --format '{{.Size}}' innoprom-bot:check | awk '{printf "%.0f MB", $1/1e6}'))"
.venv/bin/python deploy/smoke.py innoprom-bot:check
