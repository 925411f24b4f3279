#!/usr/bin/env bash
# Every molecule scenario of every role, against the embedded mock hosts, two at a time (each scenario has
# its own mocks, ephemeral directory, Ansible home and log; the logs are printed in order afterwards).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$root/build/collections" NO_COLOR=1 ANSIBLE_NOCOLOR=1
logs="$root/build/molecule-logs"
rm -rf "$logs" && mkdir -p "$logs"

run_one() {  # <role dir> <scenario>: one scenario, its output to its log, its status to a file
  local role_dir=$1 name=$2 label
  label="$(basename "$role_dir")-$name"
  mkdir -p "$logs/home-$label"
  if (cd "$role_dir" && ANSIBLE_HOME="$logs/home-$label" molecule test -s "$name") >"$logs/$label.log" 2>&1; then
    echo ok >"$logs/$label.status"
  else
    echo failed >"$logs/$label.status"
  fi
}
export -f run_one
export logs

scenarios=()
for scenario in "$root"/roles/*/molecule/*/molecule.yml; do
  [ -e "$scenario" ] || continue
  dir=$(dirname "$scenario")
  scenarios+=("$(dirname "$(dirname "$dir")") $(basename "$dir")")
done
# the longest first, so that the two lanes end together
printf '%s\n' "${scenarios[@]}" | sort -k1,1r -k2,2 | xargs -P 2 -L 1 bash -c 'run_one "$0" "$1"'

status=0
for entry in "${scenarios[@]}"; do
  set -- $entry
  label="$(basename "$1")-$2"
  echo "=== molecule: $(basename "$1") / $2: $(cat "$logs/$label.status" 2>/dev/null || echo 'did not run')"
  if [ "$(cat "$logs/$label.status" 2>/dev/null)" != ok ]; then
    cat "$logs/$label.log"; echo "=== molecule FAILED: $(basename "$1") / $2"; status=1
  else
    tail -n 4 "$logs/$label.log"
  fi
done
exit $status
