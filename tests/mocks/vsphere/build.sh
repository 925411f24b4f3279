#!/bin/sh
# Build the vSphere mock (vcsimx) into <repo>/build/vcsimx.
# Needs Debian's golang-go and golang-github-vmware-govmomi-dev (govmomi 0.24.2);
# installs them with apt-get when missing. GOPATH mode, no module downloads.
# Skips the build when the binary is newer than every source file.
# The mock needs no optimised simulator code or debug info: skipping both
# saves compile and link time (the first build compiles govmomi, ~25-50 s).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out="$repo/build/vcsimx"
src="$here/vcsimx"
govmomi=/usr/share/gocode/src/github.com/vmware/govmomi

need=""
command -v go >/dev/null 2>&1 || need="$need golang-go"
[ -d "$govmomi/simulator" ] || need="$need golang-github-vmware-govmomi-dev"
if [ -n "$need" ]; then
    echo "build.sh: installing$need" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq $need >&2
fi

if [ -x "$out" ] && [ -z "$(find "$src" "$0" -newer "$out" -type f 2>/dev/null | head -n 1)" ]; then
    echo "$out"
    exit 0
fi

mkdir -p "$repo/build/gocache"
cd "$src"
GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE="$repo/build/gocache" \
    GOPROXY=off go build -gcflags='github.com/vmware/govmomi/...=-N -l' -ldflags='-s -w' \
    -o "$out.tmp" . >&2
mv "$out.tmp" "$out"
echo "$out"
