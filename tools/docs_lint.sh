#!/usr/bin/env bash
# antsibull-docs lint on the collection's docs: every module, plugin and role argument spec renders, its markup is
# valid and its references (to this collection, ansible.windows and ansible.builtin) exist.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/build/collections"
cd "$root"
antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all \
  --disallow-unknown-collection-refs build/collections/ansible_collections/vmfleet/maintenance
echo "antsibull-docs lint: clean"
