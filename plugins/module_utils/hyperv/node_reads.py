# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads that reach another cluster node from the WinRM endpoint, and the error when one cannot be read.

Reading another node's memory (CIM), its VMs (Get-VM), its event log or its administrative share from the
endpoint is a second hop: Windows refuses it unless the session's credentials were delegated (CredSSP). A node
that is up but cannot be read is an error naming it and the fix, never a guess (1 MB, 0 MB, no events).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import HyperVError


def node_access_error(action, problems, endpoint):
    """A HyperVError: could not `action` (read the event logs, write C:\\x.ps1) on the nodes of `problems`
    (node -> the host's error text), and the fix."""
    nodes = sorted(problems)
    endpoint = endpoint or "the WinRM endpoint"
    detail = "; ".join("%s: %s" % (node, " ".join(str(problems[node] or "no answer").split())) for node in nodes)
    return HyperVError(
        "could not %s on node%s %s from %s (%s). Reaching another node from the endpoint is a second hop: "
        "connect with transport credssp (NTLM, Basic and Kerberos without delegation cannot pass your credentials "
        "on), and make sure WinRM, CIM, the event log and the administrative share of %s answer %s"
        % (action, "s" if len(nodes) > 1 else "", ", ".join(nodes), endpoint, detail, ", ".join(nodes), endpoint))
