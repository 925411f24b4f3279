#!/usr/bin/env bash
# Every molecule scenario of every role, against the embedded mock hosts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$root/build/collections" NO_COLOR=1 ANSIBLE_NOCOLOR=1
status=0
for scenario in "$root"/roles/*/molecule/*/molecule.yml; do
  [ -e "$scenario" ] || continue
  dir=$(dirname "$scenario"); role_dir=$(dirname "$(dirname "$dir")"); name=$(basename "$dir")
  echo "=== molecule: $(basename "$role_dir") / $name"
  if ! (cd "$role_dir" && molecule test -s "$name"); then
    echo "=== molecule FAILED: $(basename "$role_dir") / $name"; status=1
  fi
done
exit $status
