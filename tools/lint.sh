#!/usr/bin/env bash
# ansible-lint (production profile) on the roles, the playbooks and the collection's metadata (galaxy.yml,
# meta/runtime.yml: the galaxy and meta-runtime rules).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
targets=(galaxy.yml meta/runtime.yml)
for d in roles playbooks; do
  if [ -n "$(find "$d" -name '*.yml' 2>/dev/null | head -n1)" ]; then targets+=("$d"); fi
done
"$root/.venv/bin/ansible-lint" --profile production --offline "${targets[@]}"
