# -*- coding: utf-8 -*-
"""The reboot of a mock compute node, run on its inventory entry as ansible.builtin.reboot's reboot_command.

    /usr/bin/python3 fake_reboot.py <nova mock url> <hypervisor host> <state dir> [down seconds]

Tells the nova mock the host reboots (POST /_mock/hosts/<host>/reboot: its compute service goes down and
comes back after the given simulated seconds), writes a new boot id to <state dir>/<host>.boot_id (what the
test's boot_time_command reads, so the reboot module sees a new boot), and appends
"<host> <mock host state> <SSH_CONNECTION>" to <state dir>/reboots.txt.
"""

import json
import os
import sys
import urllib.request
import uuid


def main(argv):
    url, host, state_dir = argv[1:4]
    down_seconds = float(argv[4]) if len(argv) > 4 else 10
    request = urllib.request.Request("%s/_mock/hosts/%s/reboot" % (url.rstrip("/"), host), method="POST",
                                     data=json.dumps({"down_seconds": down_seconds}).encode(),
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        state = json.loads(response.read()).get("state", "?")
    with open(os.path.join(state_dir, "%s.boot_id" % host), "w") as handle:
        handle.write(str(uuid.uuid4()) + "\n")
    with open(os.path.join(state_dir, "reboots.txt"), "a") as handle:
        handle.write("%s %s %s\n" % (host, state, os.environ.get("SSH_CONNECTION", "no-ssh")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
