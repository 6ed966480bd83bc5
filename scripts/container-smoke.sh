#!/usr/bin/env bash
# Build the Dockerfile and smoke-test the image from the host: health, models, a bundled seed
# conversation through the openai SDK, a scenario mounted from a host folder, the healthcheck,
# the non-root user, and a prompt, clean stop (exit status 0) on SIGTERM.
#
#   scripts/container-smoke.sh              # podman when present, else docker
#
# Environment: ENGINE=podman|docker, IMAGE (default localhost/mockserver:smoke), PYTHON (a Python
# with the openai SDK; default python3), PYTHON_BASE (build argument; default: the Dockerfile's
# python:3.12-slim, or the local stand-in built by ../shared/tools/container-base.sh where that
# tool exists, for machines without registry access). Containers are always removed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python3}
IMAGE=${IMAGE:-localhost/mockserver:smoke}
BASE_TOOL=${CONTAINER_BASE_TOOL:-$ROOT/../shared/tools/container-base.sh}
START=$(date +%s.%N)
fail() { echo "[smoke] FAILED: $*" >&2; exit 1; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(date +%s.%N)"; }
say() { echo "[smoke $(elapsed "$START")s] $*"; }

# --- container engine and base image --------------------------------------------------------
BUILD_ARGS=()
if [ -z "${PYTHON_BASE:-}" ] && [ -x "$BASE_TOOL" ] && [ "$(id -u)" = 0 ] && [ "${ENGINE:-podman}" = podman ]; then
  # This kind of machine: the tool installs podman when missing and builds a local stand-in for
  # python:3.x-slim (no registry access here); about 60-90 s the first time, then instant.
  say "preparing podman and the local base image with $BASE_TOOL"
  env_line=$("$BASE_TOOL" --env) || fail "$BASE_TOOL could not prepare podman and the base image"
  eval "$env_line"
  PYTHON_BASE=localhost/python-local:3-slim
fi
ENGINE=${ENGINE:-$(command -v podman >/dev/null && echo podman || { command -v docker >/dev/null && echo docker; } || true)}
if [ -z "$ENGINE" ]; then
  fail "neither podman nor docker is installed (and $BASE_TOOL could not install podman); the container smoke test cannot run${CI:+ in CI}"
fi
command -v "$ENGINE" >/dev/null || fail "ENGINE=$ENGINE is not installed"
if [ -n "${PYTHON_BASE:-}" ]; then
  BUILD_ARGS+=(--build-arg "PYTHON_BASE=$PYTHON_BASE")
  case "$PYTHON_BASE" in localhost/*) [ "$ENGINE" = podman ] && BUILD_ARGS+=(--pull=never) ;; esac
fi
# podman's default OCI image format drops HEALTHCHECK; the docker format keeps it.
[ "$ENGINE" = podman ] && BUILD_ARGS+=(--format docker)
"$PYTHON" -c "import openai" 2>/dev/null || fail "$PYTHON has no openai SDK (pip install '.[test]', or set PYTHON)"

# --- build ------------------------------------------------------------------------------------
say "building $IMAGE with $ENGINE ${BUILD_ARGS[*]}"
t=$(date +%s.%N)
"$ENGINE" build -q "${BUILD_ARGS[@]}" -t "$IMAGE" -f Dockerfile . >/dev/null || fail "image build failed"
say "built $IMAGE in $(elapsed "$t")s"

CONTAINERS=()
WORK=$(mktemp -d)
cleanup() {
  for c in "${CONTAINERS[@]}"; do "$ENGINE" rm -f "$c" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
run() {  # run NAME PORT [engine options...]: start the image detached on 127.0.0.1:PORT
  local name=$1 port=$2; shift 2
  CONTAINERS+=("$name")
  # Rootful podman without systemd cannot schedule healthcheck timers and says so on stderr
  # (harmless: `podman healthcheck run` below still works); shown only when something fails.
  "$ENGINE" run -d --name "$name" -p "127.0.0.1:$port:8000" "$@" "$IMAGE" >"$WORK/run.out" 2>&1 \
    || { cat "$WORK/run.out" >&2; fail "cannot start $name"; }
}
stop_cleanly() {  # stop NAME: SIGTERM, then require exit status 0 within 5 s
  local name=$1 t code
  t=$(date +%s.%N)
  "$ENGINE" stop -t 10 "$name" >"$WORK/stop.out" 2>&1 || { cat "$WORK/stop.out" >&2; fail "cannot stop $name"; }
  local took; took=$(elapsed "$t")
  code=$("$ENGINE" inspect -f '{{.State.ExitCode}}' "$name")
  [ "$code" = 0 ] || { "$ENGINE" logs "$name" >&2; fail "$name exited with status $code after SIGTERM"; }
  python3 -c "import sys; sys.exit(float(sys.argv[1]) >= 5)" "$took" || fail "$name took ${took}s to stop (limit 5 s)"
  "$ENGINE" logs "$name" >"$WORK/$name.log" 2>&1
  grep -q "Finished server process" "$WORK/$name.log" || fail "$name did not shut down gracefully"
  say "stopped $name: SIGTERM → exit status 0 in ${took}s"
}

# --- the image alone: bundled scenarios -------------------------------------------------------
NAME=mockserver-smoke-$$
PORT=$(free_port)
t=$(date +%s.%N)
run "$NAME" "$PORT"
"$PYTHON" scripts/container_smoke_client.py bundled "http://127.0.0.1:$PORT" || { "$ENGINE" logs "$NAME" >&2; fail "bundled checks"; }
say "bundled checks passed (container start to last answer: $(elapsed "$t")s)"
"$ENGINE" logs "$NAME" >"$WORK/bundled.log" 2>&1
grep -q "serving the bundled examples" "$WORK/bundled.log" || { cat "$WORK/bundled.log" >&2; fail "the log does not say the bundled scenarios are served"; }
user=$("$ENGINE" exec "$NAME" id -u)
[ "$user" != 0 ] || fail "the server runs as root"
say "runs as uid $user"
if [ "$ENGINE" = podman ]; then
  podman healthcheck run "$NAME" >/dev/null || fail "HEALTHCHECK failed"
else
  deadline=$((SECONDS + 60))
  until [ "$(docker inspect -f '{{.State.Health.Status}}' "$NAME")" = healthy ]; do
    [ $SECONDS -lt $deadline ] || fail "HEALTHCHECK did not report healthy within 60 s"
    sleep 1
  done
fi
say "HEALTHCHECK passes"
stop_cleanly "$NAME"

# --- a scenario folder mounted from the host --------------------------------------------------
mkdir -p "$WORK/scenarios"
cat >"$WORK/scenarios/smoke.yaml" <<'YAML'
version: 1
name: smoke
models: [smoke-model]
rules:
  - name: hello
    reply: {content: "Hello from the mounted scenario folder."}
YAML
chmod 755 "$WORK" "$WORK/scenarios"; chmod 644 "$WORK/scenarios/smoke.yaml"   # readable by the image's user
"$ENGINE" run --rm -v "$WORK/scenarios:/scenarios:ro" "$IMAGE" validate /scenarios >"$WORK/validate.out" 2>"$WORK/validate.err" \
  || { cat "$WORK/validate.out" "$WORK/validate.err" >&2; fail "mockserver validate /scenarios in the container"; }
say "validate in the container: $(tail -n 1 "$WORK/validate.out")"
NAME2=mockserver-smoke-mounted-$$
PORT=$(free_port)
run "$NAME2" "$PORT" -v "$WORK/scenarios:/scenarios:ro" -e MOCKSERVER_SEED=7
"$PYTHON" scripts/container_smoke_client.py mounted "http://127.0.0.1:$PORT" || { "$ENGINE" logs "$NAME2" >&2; fail "mounted checks"; }
stop_cleanly "$NAME2"
say "PASSED: container smoke test with $ENGINE ($IMAGE)"
