#!/usr/bin/env bash
# Installs what tools/realnova/stack.py needs: a real OpenStack nova (Zed) with keystone and placement
# from Debian's packages, MariaDB, RabbitMQ and uwsgi. Idempotent: when every package is already
# installed nothing is fetched (no apt-get update either). Daemons are never left running by the
# packages' postinst scripts: stack.py runs its own copies under build/realnova/.
set -euo pipefail

PACKAGES=(
    python3-nova nova-common
    python3-keystone
    python3-placement
    mariadb-server
    rabbitmq-server
    python3-pymysql
    uwsgi-core uwsgi-plugin-python3
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "realnova: all packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

# Keep postinst scripts from starting mariadb, rabbitmq, memcached ... (invoke-rc.d asks this file).
# Only create it when absent, and remove it afterwards if we created it.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
fi
cleanup() {
    if [ "$created_policy" = 1 ]; then
        $SUDO rm -f /usr/sbin/policy-rc.d
    fi
}
trap cleanup EXIT

echo "realnova: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${PACKAGES[@]}"

echo "realnova: packages installed"
