# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """vCenter connection options, the way vmware.vmware spells them (with the same VMWARE_* fallbacks)."""

    DOCUMENTATION = r'''
options:
  hostname:
    description:
      - The vCenter server (name or IP address).
      - If the value is not specified in the task, the value of environment variable E(VMWARE_HOST) is used.
    type: str
  username:
    description:
      - The user name to log in to vCenter with.
      - If the value is not specified in the task, the value of environment variable E(VMWARE_USER) is used.
    type: str
    aliases: [admin, user]
  password:
    description:
      - The password of O(username).
      - If the value is not specified in the task, the value of environment variable E(VMWARE_PASSWORD) is used.
    type: str
    aliases: [pass, pwd]
  port:
    description:
      - The port of the vSphere API (HTTPS).
      - If the value is not specified in the task, the value of environment variable E(VMWARE_PORT) is used.
    type: int
    default: 443
  validate_certs:
    description:
      - Verify the server's TLS certificate. Set it to V(false) only for servers with self-signed
        certificates that you trust.
      - If the value is not specified in the task, the value of environment variable E(VMWARE_VALIDATE_CERTS) is used.
    type: bool
    default: true
  proxy_host:
    description:
      - A proxy that relays every HTTPS request to vCenter (name or IP address), as in vmware.vmware.
      - If the value is not specified in the task, the value of environment variable E(VMWARE_PROXY_HOST) is used.
    type: str
  proxy_port:
    description:
      - The port of O(proxy_host) (80 when not set).
      - If the value is not specified in the task, the value of environment variable E(VMWARE_PROXY_PORT) is used.
    type: int
  retry_seconds:
    description:
      - How long to ride through a transient failure of the vSphere API (a connection reset or timed out, HTTP
        500, 502, 503 or 504) before failing, counted from the first failure in a row; tried again after 1, 2, 4,
        8 and then every 15 seconds. A refused connection fails at once.
      - Modules that only read or set a desired state repeat their whole run; a drain keeps its moves running and
        reads their state again once the API answers. V(0) fails at the first error.
    type: int
    default: 120
requirements:
  - python >= 3.9
  - pyvmomi >= 8.0
'''
