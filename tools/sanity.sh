#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection at ansible_collections/vmfleet/maintenance.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
work="$root/build/sanity/ansible_collections/vmfleet/maintenance"
rm -rf "$root/build/sanity"
mkdir -p "$work"
cd "$root"
git ls-files --cached --others --exclude-standard -z | while IFS= read -r -d '' f; do
  [ -e "$f" ] || continue
  mkdir -p "$work/$(dirname "$f")"
  cp -p "$f" "$work/$f"
done
cd "$work"
git init -q . && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity
pip_version=$(grep -oP "pip='\K[0-9.]+" "$venv"/lib/python*/site-packages/ansible_test/_internal/python_requirements.py | head -n1)
mkdir -p ~/.ansible/test/cache
name="get_pip_${pip_version//./_}.py"
cp "$root/tools/get_pip_standin.py" ~/.ansible/test/cache/"$name"
PATH="$venv/bin:$PATH" "$venv/bin/ansible-test" sanity --python 3.11 --requirements "$@"
