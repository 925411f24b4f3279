# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """OpenStack connection options, the way openstack.cloud spells them."""

    DOCUMENTATION = r'''
options:
  cloud:
    description:
      - Named cloud in C(clouds.yaml), or a dict of connection settings.
      - Without O(cloud) and O(auth), openstacksdk reads the C(OS_*) environment variables.
    type: raw
  auth:
    description:
      - Authentication settings (C(auth_url), C(username), C(password), C(project_name),
        C(user_domain_name), C(project_domain_name), ...), as in C(clouds.yaml).
    type: dict
  auth_type:
    description: Keystone authentication plugin, for example C(password) or C(token).
    type: str
  region_name:
    description: Region to use.
    type: str
  interface:
    description: Endpoint interface.
    type: str
    default: public
    choices: [admin, internal, public]
    aliases: [endpoint_type]
  validate_certs:
    description: Verify TLS certificates of the API endpoints.
    type: bool
    default: true
    aliases: [verify]
  ca_cert:
    description: CA bundle to verify the endpoints with.
    type: path
    aliases: [cacert]
  client_cert:
    description: Client certificate for mutual TLS.
    type: path
    aliases: [cert]
  client_key:
    description: Key of O(client_cert).
    type: path
    aliases: [key]
  api_timeout:
    description: Timeout in seconds of each API request.
    type: int
  wait:
    description: Wait until the operation is finished.
    type: bool
    default: true
  timeout:
    description: How long to wait in seconds.
    type: int
    default: 3600
  retry_seconds:
    description:
      - How long to ride through a transient API failure (HTTP 500, 502, 503 or 504, a connection refused, reset
        or timed out) before failing, counted from the first failure in a row; reads and polls are tried again
        after 1, 2, 4, 8 and then every 15 seconds.
      - Modules that only read or set a desired state repeat their whole run; a drain keeps its moves running and
        reads their state again once the API answers. V(0) fails at the first error.
    type: int
    default: 120
  sdk_log_path:
    description:
      - Append openstacksdk's log to this file, as openstack.cloud does; without it nothing is logged.
    type: str
  sdk_log_level:
    description:
      - With O(sdk_log_path), C(DEBUG) logs every API request and response as well (keep the file private),
        C(INFO) only warnings and errors.
    type: str
    default: INFO
    choices: [INFO, DEBUG]
requirements:
  - python >= 3.9
  - openstacksdk >= 1.0.0
'''
