#!/usr/bin/env bash
# ansible-lint (production profile) on the roles and playbooks, when there are any.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
targets=()
for d in roles playbooks; do
  if [ -n "$(find "$d" -name '*.yml' 2>/dev/null | head -n1)" ]; then targets+=("$d"); fi
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "ansible-lint: no roles or playbooks yet"
  exit 0
fi
"$root/.venv/bin/ansible-lint" --profile production --offline "${targets[@]}"
