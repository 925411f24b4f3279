# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """WinRM (WS-Management) connection options of the Hyper-V and Cluster-Aware Updating modules."""

    DOCUMENTATION = r'''
options:
  host:
    description:
      - The failover cluster node, or the cluster name, to run PowerShell on (WinRM, WS-Management).
      - Every script runs on that one endpoint; cluster cmdlets reach the whole cluster from there. Moving VMs
        (C(Move-ClusterVirtualMachineRole)) and reading the memory, VMs, event logs and files of the other nodes is
        a second hop from it, which only O(transport=credssp) carries.
    type: str
    required: true
  port:
    description: The WinRM port; 5986 is HTTPS, 5985 HTTP.
    type: int
    default: 5986
  scheme:
    description: C(https) or C(http); by default C(http) for port 5985 and C(https) for any other port.
    type: str
    choices: [http, https]
  transport:
    description:
      - How pywinrm authenticates, named as pywinrm names it. C(ntlm), C(kerberos) and C(credssp) encrypt the
        messages even over HTTP; C(basic) and C(plaintext) send the password readably unless the scheme is HTTPS.
      - C(certificate) maps a client certificate (O(client_cert), O(client_key)) to a local account.
      - The default is C(credssp) because these modules need the second hop. CredSSP hands the password to the
        endpoint, which then acts as you on the other nodes; Kerberos delegation, even with
        O(kerberos_delegation), does not carry a second hop made over WinRM, and C(Move-ClusterVirtualMachineRole)
        does not run remotely without CredSSP. A module that needs the second hop fails before sending anything
        under any other transport.
      - On every node, C(Enable-WSManCredSSP -Role Server) (the WinRM service has CredSSP off by default), and an
        HTTPS listener on port 5986 so that the password travels inside TLS. On the controller, CredSSP needs the
        Python package C(requests-credssp) (C(pywinrm[credssp])); C(kerberos) needs C(pykerberos)
        (C(pywinrm[kerberos])).
    type: str
    default: credssp
    choices: [ntlm, basic, kerberos, credssp, certificate, plaintext]
  kerberos_delegation:
    description:
      - With O(transport=kerberos), ask for a forwardable ticket and delegate it to the endpoint (pywinrm's
        C(kerberos_delegation)); the account and the endpoint must be allowed to delegate in Active Directory.
      - Microsoft's second-hop guidance says no form of Kerberos delegation carries a second hop made over WinRM,
        so it does not make C(kerberos) usable for a module that needs the second hop.
    type: bool
    default: false
  username:
    description: The account (C(DOMAIN\user) or C(user@domain)) that runs the scripts; a cluster administrator.
    type: str
    aliases: [user]
  password:
    description: The password of O(username).
    type: str
    aliases: [pass]
  validate_certs:
    description: Verify the endpoint's TLS certificate (HTTPS). Set it to V(false) only for a self-signed certificate
      you trust.
    type: bool
    default: true
  ca_trust_path:
    description: A CA bundle (PEM) to verify the endpoint's certificate with, instead of the system's.
    type: path
  client_cert:
    description: Client certificate (PEM) for O(transport=certificate).
    type: path
  client_key:
    description: Private key (PEM) of O(client_cert).
    type: path
  operation_timeout:
    description: Seconds the endpoint waits for output before answering that the command still runs (pywinrm then
      asks again); long scripts keep running meanwhile.
    type: int
    default: 20
  read_timeout:
    description: Seconds to wait for any HTTP answer; must be longer than O(operation_timeout).
    type: int
    default: 30
  retry_seconds:
    description:
      - How long to ride through a transient failure of the WinRM endpoint (HTTP 500, 502, 503 or 504, a
        connection refused, reset or timed out) before failing, counted from the first failure in a row; scripts
        that read are run again after 1, 2, 4, 8 and then every 15 seconds.
      - Modules that only read or set a desired state repeat their whole run; a drain keeps its moves running and
        reads their state again once the endpoint answers. V(0) fails at the first error.
    type: int
    default: 120
requirements:
  - python >= 3.9
  - pywinrm >= 0.4
  - requests-credssp (pywinrm[credssp]) for O(transport=credssp)
  - pykerberos (pywinrm[kerberos]) for O(transport=kerberos)
notes:
  - Scripts are kept small and take their parameters as one JSON literal, because a WinRM command runs as
    C(powershell -encodedcommand ...) and cmd.exe limits a command line to 8191 characters; a script that would
    not fit fails before it is sent.
'''
