#!/usr/bin/env bash
# The compatibility suite (tests/compat) as CI runs it: the agent frameworks people use against
# the mock, at their newest releases. Python stacks in venvs of their own, one per pyproject
# extra — '.[compat]' (the newest openai and the stacks that take it) and '.[compat-openai2]'
# (LiteLLM and LlamaIndex, which cap openai below 3) — so their pins neither meet nor touch
# .venv; node stacks from tests/compat/node's lockfile. Prints the versions that ran (README's
# "Tested with" table) and the time taken. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
if { ! command -v node || ! command -v npm; } >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get install -y -qq nodejs npm || (apt-get update -qq && apt-get install -y -qq nodejs npm)) >/dev/null 2>&1 || true
fi
for extra in compat compat-openai2; do
  [ -x ".venv-$extra/bin/python" ] || python3 -m venv ".venv-$extra"
  ".venv-$extra/bin/python" -m pip install -q --upgrade --upgrade-strategy eager ".[$extra]"
done
npm ci --prefix tests/compat/node --no-audit --no-fund
echo "== compatibility suite: tested with =="
.venv-compat/bin/python scripts/tested-with.py --python compat-openai2=.venv-compat-openai2/bin/python
status=0
for extra in compat compat-openai2; do
  ".venv-$extra/bin/python" -m pytest tests/compat --compat-extra "$extra" -n 0 -p no:cacheprovider -q --disable-warnings "$@" \
    || status=$?
done
echo "compatibility suite: $((SECONDS - started)) s (installs included)"
exit "$status"
