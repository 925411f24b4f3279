# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinRM base module: connection options, one PowerShell runner, WinRM and PowerShell errors -> one fail_json.

``PowerShellRunner`` runs a composed ``Script`` (see powershell.py) on the endpoint in a shell of its own
and returns its output; a non-zero exit becomes ``PowerShellError`` carrying the host's own error text
(decoded from CLIXML), a transport problem a pywinrm or requests exception. ``WinRMModule`` turns all of
them into one message naming the endpoint. ``is_transient`` says which transport problems are worth waiting
out (the endpoint answering 5xx, a connection reset or refused, a timeout); the runner carries that, its
retry window and ``describe_error`` for the Hyper-V move adapter.

A module with ``needs_second_hop`` (the default) reaches other nodes from the endpoint, which only CredSSP
allows; it fails before sending anything when the transport cannot (``second_hop_problem``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import xml.etree.ElementTree as ET

from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.powershell import (
    ScriptTooLong, check_length, encoded_command)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.module_base import VmfleetModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.transient import (
    DEFAULT_WINDOW_SECONDS, TRANSIENT_HTTP_STATUS, connection_trouble, error_chain, is_tls_failure, status_text)

try:
    import winrm
    from winrm import exceptions as winrm_exceptions
    from winrm.transport import HAVE_CREDSSP, HAVE_KERBEROS
    HAS_PYWINRM = True
    WINRM_ERRORS = (winrm_exceptions.WinRMError, winrm_exceptions.WinRMTransportError,
                    winrm_exceptions.WinRMOperationTimeoutError)
except ImportError:
    HAS_PYWINRM = HAVE_CREDSSP = HAVE_KERBEROS = False
    WINRM_ERRORS = ()

try:
    from requests_credssp import exceptions as credssp_exceptions
    CREDSSP_ERRORS = (credssp_exceptions.AuthenticationException, credssp_exceptions.NTStatusException)
except ImportError:
    CREDSSP_ERRORS = ()

try:
    from requests import exceptions as requests_exceptions
    REQUESTS_ERRORS = (requests_exceptions.RequestException,)
    REQUESTS_FAILURES = (requests_exceptions.ConnectionError, requests_exceptions.Timeout)
except ImportError:
    REQUESTS_ERRORS = ()
    REQUESTS_FAILURES = ()

TRANSPORTS = ["ntlm", "basic", "kerberos", "credssp", "certificate", "plaintext"]
UTF8_CODEPAGE = 65001
STATUS_LOGON_FAILURE = 0xC000006D
TRANSPORT_LIBRARIES = {
    "credssp": (HAVE_CREDSSP, "requests-credssp", "pip install 'pywinrm[credssp]'"),
    "kerberos": (HAVE_KERBEROS, "pykerberos",
                 "pip install 'pywinrm[kerberos]', which builds it from source with MIT Kerberos' headers and a C "
                 "compiler (Debian: libkrb5-dev gcc python3-dev; Fedora: krb5-devel gcc python3-devel)"),
}
CLIXML_HEADER = "#< CLIXML"


class HyperVError(Exception):
    """A problem already phrased for the user (unknown node or VM, a move that cannot start, a timeout)."""


class PowerShellError(HyperVError):
    """A script ended with a non-zero exit code; the message is the host's own error text."""

    def __init__(self, endpoint, what, exit_code, error_text):
        self.endpoint = endpoint
        self.what = what
        self.exit_code = exit_code
        self.error_text = error_text
        super(PowerShellError, self).__init__("PowerShell failed on %s while %s (exit code %s): %s" % (
            endpoint, what, exit_code, first_error(error_text) or "no error text"))


def winrm_argument_spec():
    """Connection options documented in the vmfleet.maintenance.winrm doc fragment."""
    return dict(
        host=dict(type="str", required=True),
        port=dict(type="int", default=5986),
        scheme=dict(type="str", choices=["http", "https"]),
        transport=dict(type="str", default="credssp", choices=TRANSPORTS),
        kerberos_delegation=dict(type="bool", default=False),
        username=dict(type="str", aliases=["user"]),
        password=dict(type="str", aliases=["pass"], no_log=True),
        validate_certs=dict(type="bool", default=True),
        ca_trust_path=dict(type="path"),
        client_cert=dict(type="path"),
        client_key=dict(type="path", no_log=False),
        operation_timeout=dict(type="int", default=20),
        read_timeout=dict(type="int", default=30),
        retry_seconds=dict(type="int", default=DEFAULT_WINDOW_SECONDS),
    )


def second_hop_problem(transport, kerberos_delegation=False):
    """Why this transport cannot carry the credentials to a second machine, or None (only CredSSP can)."""
    if transport == "credssp":
        return None
    if transport == "kerberos" and kerberos_delegation:
        why = ("Kerberos delegation does not carry a second hop made over WinRM, and Move-ClusterVirtualMachineRole "
               "does not run remotely without CredSSP")
    else:
        why = "with transport %s the credentials stay on the endpoint, so Windows denies what it reaches further" % (
            transport)
    return ("this module needs a second hop: it reaches the other cluster nodes from the WinRM endpoint (live "
            "migration with Move-ClusterVirtualMachineRole, reading their memory, VMs, event logs and files); %s. Use "
            "transport credssp: run Enable-WSManCredSSP -Role Server on every node, and connect over HTTPS (port 5986)"
            % why)


def missing_library(transport):
    """'transport X needs P on the controller: how to install it', or None."""
    available, package, how = TRANSPORT_LIBRARIES.get(transport, (True, None, None))
    if available:
        return None
    return "transport %s needs the Python package %s on the controller: %s" % (transport, package, how)


def is_transient(error):
    """True for a transport problem worth waiting out: the endpoint answering 500, 502, 503 or 504 outside a
    WS-Man fault, a connection that failed, was reset or timed out. Never an authentication failure, a 4xx,
    a WS-Man fault, a PowerShell error or a TLS failure."""
    chain = error_chain(error)
    for item in chain:
        if isinstance(item, (HyperVError, ScriptTooLong)):
            return False
        if HAS_PYWINRM and isinstance(item, winrm_exceptions.WinRMError):
            return False
        if HAS_PYWINRM and isinstance(item, winrm_exceptions.WinRMTransportError):
            return item.code in TRANSIENT_HTTP_STATUS
    if is_tls_failure(chain):
        return False
    return any(isinstance(e, REQUESTS_FAILURES + (ConnectionError, TimeoutError)) for e in chain)


def describe_transport_error(error, endpoint):
    """'the WinRM endpoint URL answered 503 Service Unavailable: ...', 'the WinRM endpoint URL reset the
    connection (...)', or None when the error is not about the transport."""
    chain = error_chain(error)
    for item in chain:
        if HAS_PYWINRM and isinstance(item, winrm_exceptions.WinRMTransportError):
            text = " ".join((item.response_text or "").split())[:300]
            return "the WinRM endpoint %s answered %s%s" % (endpoint, status_text(item.code),
                                                            ": %s" % text if text else "")
    if any(isinstance(e, ConnectionResetError) for e in chain):
        return "the WinRM endpoint %s reset the connection: %s" % (endpoint, connection_trouble(chain))
    if any(isinstance(e, REQUESTS_FAILURES) for e in chain) and not is_tls_failure(chain):
        return "cannot reach the WinRM endpoint %s: %s" % (endpoint, connection_trouble(chain) or error)
    return None


def endpoint_url(host, port, scheme=None):
    """https://host:5986/wsman; http when asked, or by default for port 5985."""
    scheme = scheme or ("http" if port == 5985 else "https")
    if ":" in host and not host.startswith("["):
        host = "[%s]" % host  # an IPv6 address
    return "%s://%s:%s/wsman" % (scheme, host, port)


def clixml_text(raw):
    """The readable text of a ``#< CLIXML`` error stream (its <S> strings), or raw unchanged."""
    if not raw.startswith(CLIXML_HEADER):
        return raw
    body = re.sub(r'\sxmlns="[^"]*"', "", raw[len(CLIXML_HEADER):].strip())
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return raw
    lines = [node.text for node in root.findall("S") if node.text]
    text = "".join(lines).replace("_x000D__x000A_", "\n").replace("_x000A_", "\n")
    return text.strip() or raw


def first_error(text):
    """'Cmdlet : message' of PowerShell's error text, without its position and category block."""
    if not text:
        return ""
    head = re.split(r"\n\s*At (?:line|char):|\n\s*\+ ", text, maxsplit=1)[0]
    return " ".join(part.strip() for part in head.splitlines() if part.strip())


class ScriptResult:
    """What one script printed and returned."""

    def __init__(self, exit_code, stdout, stderr):
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr


class PowerShellRunner:
    """Runs scripts on one WinRM endpoint with pywinrm: a shell per script, UTF-8 output."""

    def __init__(self, url, protocol_factory, retry_seconds=DEFAULT_WINDOW_SECONDS):
        self.url = url
        self.protocol_factory = protocol_factory
        self.retry_seconds = retry_seconds
        self._protocol = None

    def reconnect(self):
        """Forget the session: the next script opens a new one (and authenticates again)."""
        self._protocol = None

    def is_transient(self, error):
        return is_transient(error)

    def describe_error(self, error):
        """The error as the user should read it: the host's own text, or what happened on the wire."""
        if isinstance(error, (HyperVError, ScriptTooLong)):
            return str(error)
        return describe_transport_error(error, self.url) or "%s: %s" % (type(error).__name__, error)

    @property
    def protocol(self):
        if self._protocol is None:
            self._protocol = self.protocol_factory()
        return self._protocol

    def run(self, script):
        """A ScriptResult; ScriptTooLong before anything is sent when the command line would not fit."""
        check_length(script.text, script.what)
        command = encoded_command(script.text)
        protocol = self.protocol
        try:
            shell_id = protocol.open_shell(codepage=UTF8_CODEPAGE)
            try:
                command_id = protocol.run_command(shell_id, command)
                stdout, stderr, exit_code = protocol.get_command_output(shell_id, command_id)
                protocol.cleanup_command(shell_id, command_id)
            finally:
                protocol.close_shell(shell_id)
        except Exception as error:
            if is_transient(error):
                self.reconnect()  # whoever tries again gets a fresh session
            raise
        return ScriptResult(exit_code, stdout.decode("utf-8", "replace"),
                            clixml_text(stderr.decode("utf-8", "replace")))

    def text(self, script):
        """The script's standard output; PowerShellError when it exits non-zero."""
        result = self.run(script)
        if result.exit_code != 0:
            raise PowerShellError(self.url, script.what, result.exit_code, result.stderr or result.stdout)
        return result.stdout

    def json(self, script):
        """The script's output parsed as JSON (None when it printed nothing)."""
        out = self.text(script).strip()
        if not out:
            return None
        try:
            return json.loads(out)
        except ValueError:
            raise HyperVError("%s printed something that is not JSON while %s: %s" % (self.url, script.what, out[:300]))


class WinRMModule(VmfleetModule):
    """Base of the Hyper-V and CAU modules: merges the connection options, runs scripts, one error path."""

    connection_spec = staticmethod(winrm_argument_spec)
    required_library = (HAS_PYWINRM, "pywinrm")
    needs_second_hop = True  # reaches other nodes from the endpoint: refuse a transport that cannot

    def __init__(self):
        super(WinRMModule, self).__init__()
        params = self.params
        if params["read_timeout"] <= params["operation_timeout"]:
            self.ansible.fail_json(msg="read_timeout (%s) must be longer than operation_timeout (%s)"
                                   % (params["read_timeout"], params["operation_timeout"]))
        problem = self.needs_second_hop and second_hop_problem(params["transport"], params["kerberos_delegation"])
        problem = problem or missing_library(params["transport"])
        if problem:
            self.ansible.fail_json(msg=problem)
        self.endpoint = endpoint_url(params["host"], params["port"], params["scheme"])
        self._shell = None

    @property
    def shell(self):
        """The PowerShellRunner for the endpoint (it connects on its first script)."""
        if self._shell is None:
            self._shell = PowerShellRunner(self.endpoint, self._protocol, self.params["retry_seconds"])
        return self._shell

    def reconnect(self):
        if self._shell is not None:
            self._shell.reconnect()

    def is_transient(self, error):
        return is_transient(error)

    def _protocol(self):
        params = self.params
        if params["transport"] == "certificate":
            if not (params["client_cert"] and params["client_key"]):
                self.fail("transport=certificate needs client_cert and client_key")
        elif not (params["username"] and params["password"]):
            self.fail("username and password are required for transport=%s" % params["transport"])
        options = dict(endpoint=self.endpoint, transport=params["transport"], username=params["username"],
                       password=params["password"],
                       server_cert_validation="validate" if params["validate_certs"] else "ignore",
                       operation_timeout_sec=params["operation_timeout"], read_timeout_sec=params["read_timeout"],
                       kerberos_delegation=params["kerberos_delegation"])
        if params["ca_trust_path"]:
            options["ca_trust_path"] = params["ca_trust_path"]
        if params["client_cert"]:
            options.update(cert_pem=params["client_cert"], cert_key_pem=params["client_key"])
        return winrm.Protocol(**options)

    def error_types(self):
        return (super(WinRMModule, self).error_types() + (HyperVError, ScriptTooLong) + WINRM_ERRORS + REQUESTS_ERRORS
                + CREDSSP_ERRORS)

    def describe_error(self, error):
        if isinstance(error, (HyperVError, ScriptTooLong)):
            return str(error)
        who = "as %s " % self.params["username"] if self.params["username"] else ""
        if HAS_PYWINRM and isinstance(error, winrm_exceptions.BasicAuthDisabledError):
            return ("basic authentication is disabled on the WinRM service at %s: use transport ntlm, kerberos or "
                    "credssp, or enable it (winrm set winrm/config/service/auth @{Basic=\"true\"})" % self.endpoint)
        if HAS_PYWINRM and isinstance(error, winrm_exceptions.InvalidCredentialsError) or (
                CREDSSP_ERRORS and isinstance(error, credssp_exceptions.NTStatusException)
                and error.status == STATUS_LOGON_FAILURE):
            return ("authentication failed at %s %s(transport %s): check username and password, and that the account "
                    "may use WinRM on that host (%s)" % (self.endpoint, who, self.params["transport"], error))
        if CREDSSP_ERRORS and isinstance(error, CREDSSP_ERRORS):
            return ("CredSSP authentication failed at %s %s(%s): CredSSP must be enabled on the WinRM service there "
                    "(Enable-WSManCredSSP -Role Server)" % (self.endpoint, who, error))
        if HAS_PYWINRM and isinstance(error, winrm_exceptions.WinRMTransportError):
            return describe_transport_error(error, self.endpoint)
        if HAS_PYWINRM and isinstance(error, winrm_exceptions.WinRMError):
            return "WinRM fault at %s: %s" % (self.endpoint, error)
        if REQUESTS_ERRORS and isinstance(error, requests_exceptions.SSLError):
            return ("cannot verify the TLS certificate of %s (%s): set ca_trust_path to the CA that signed it, or "
                    "validate_certs=false for a self-signed certificate you trust" % (self.endpoint, error))
        if REQUESTS_ERRORS and isinstance(error, requests_exceptions.Timeout):
            return ("no answer from %s within read_timeout (%ss): %s" % (self.endpoint, self.params["read_timeout"], error))
        if REQUESTS_ERRORS and isinstance(error, requests_exceptions.RequestException):
            if any(isinstance(e, ConnectionResetError) for e in error_chain(error)):
                return describe_transport_error(error, self.endpoint)
            return ("cannot reach the WinRM endpoint %s: %s (is WinRM listening there on port %s, %s?)"
                    % (self.endpoint, error, self.params["port"], self.endpoint.split(":", 1)[0]))
        return super(WinRMModule, self).describe_error(error)
