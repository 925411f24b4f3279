# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vSphere base module: connection options, connect once, vSphere faults -> one fail_json.

Also the two helpers every vSphere module needs: ``objects_of`` (inventory by type) and
``wait_for_task`` (follow a task to its end, raising its fault), and ``is_transient`` (a reset or timed-out
connection, an HTTP 5xx from the SOAP endpoint), which the vSphere move adapter shares.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import http.client
import re
import socket
import ssl
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.vmfleet.maintenance.plugins.module_utils.module_base import VmfleetModule
from ansible_collections.vmfleet.maintenance.plugins.module_utils.transient import (
    DEFAULT_WINDOW_SECONDS, TRANSIENT_HTTP_STATUS, connection_trouble, error_chain, is_tls_failure)

try:
    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim, vmodl
    HAS_PYVMOMI = True
    PYVMOMI_ERRORS = (vmodl.MethodFault,)
except ImportError:
    HAS_PYVMOMI = False
    PYVMOMI_ERRORS = ()

CONNECTION_ERRORS = (OSError, http.client.HTTPException)


class VsphereError(Exception):
    """A vSphere problem already phrased for the user (unreachable endpoint, unknown name, task timeout)."""


def vmware_argument_spec():
    """Connection options documented in the vmfleet.maintenance.vmware doc fragment."""
    return dict(
        hostname=dict(type="str", fallback=(env_fallback, ["VMWARE_HOST"])),
        username=dict(type="str", aliases=["admin", "user"], fallback=(env_fallback, ["VMWARE_USER"])),
        password=dict(type="str", aliases=["pass", "pwd"], no_log=True, fallback=(env_fallback, ["VMWARE_PASSWORD"])),
        port=dict(type="int", default=443, fallback=(env_fallback, ["VMWARE_PORT"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["VMWARE_VALIDATE_CERTS"])),
        proxy_host=dict(type="str", fallback=(env_fallback, ["VMWARE_PROXY_HOST"])),
        proxy_port=dict(type="int", fallback=(env_fallback, ["VMWARE_PROXY_PORT"])),
        retry_seconds=dict(type="int", default=DEFAULT_WINDOW_SECONDS),
    )


def is_transient(error):
    """True for a connection to the vSphere API that was reset, broke or timed out, or an HTTP 500, 502, 503 or
    504 outside a SOAP fault (pyVmomi raises those as HTTPException('503 Service Unavailable')). Not a refused
    connection (vCenter restarts take minutes; a wrong port is likelier), a TLS failure or a vSphere fault."""
    chain = error_chain(error)
    if is_tls_failure(chain) or (HAS_PYVMOMI and any(isinstance(e, vmodl.MethodFault) for e in chain)):
        return False
    for item in chain:
        if isinstance(item, ConnectionRefusedError):
            return False
        if isinstance(item, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, TimeoutError,
                             socket.timeout, http.client.RemoteDisconnected, http.client.IncompleteRead)):
            return True
        if isinstance(item, http.client.HTTPException):
            status = re.match(r"\s*(\d{3})\b", str(item))
            if status and int(status.group(1)) in TRANSIENT_HTTP_STATUS:
                return True
    return False


def fault_text(fault):
    """'FaultName: message' for a vSphere fault (the message vCenter would show)."""
    name = type(fault).__name__.rsplit(".", 1)[-1]
    message = getattr(fault, "msg", None)
    if not message:
        message = "; ".join(m.message for m in getattr(fault, "faultMessage", None) or [] if m.message)
    return "%s: %s" % (name, message) if message else name


def objects_of(content, vimtype):
    """Every managed object of one type in the inventory (one container view, destroyed after)."""
    view = content.viewManager.CreateContainerView(content.rootFolder, [vimtype], True)
    try:
        return list(view.view)
    finally:
        view.Destroy()


def wait_for_task(task, timeout, progress=None, poll_seconds=0.5, clock=time.monotonic, sleep=time.sleep):
    """The task's result once it succeeds; its fault raised when it fails; VsphereError after timeout seconds.

    progress(percent) is called whenever the task's progress changes.
    """
    deadline = clock() + timeout
    last = None
    while True:
        info = task.info
        if info.state == "success":
            return info.result
        if info.state == "error":
            raise info.error
        if progress is not None and info.progress != last:
            last = info.progress
            progress(last)
        if clock() > deadline:
            raise VsphereError("task %s on %s still %s at %s%% after %ss" % (
                info.descriptionId or info.name, info.entityName or "?", info.state, info.progress or 0, timeout))
        sleep(poll_seconds)


def describe_transport_error(error, endpoint):
    """'the vSphere API at HOST:443 answered 503 Service Unavailable', 'lost the connection to ...: the connection
    was reset (...)', or None when the error is not about the connection."""
    status = re.match(r"\s*(\d{3})\b", str(error)) if isinstance(error, http.client.HTTPException) else None
    if status:
        return "the vSphere API at %s answered %s" % (endpoint, str(error).strip())
    if isinstance(error, CONNECTION_ERRORS):
        return "lost the connection to the vSphere API at %s: %s" % (
            endpoint, connection_trouble(error_chain(error)) or error)
    return None


def _disconnect_quietly(si):
    """Log out at exit; a session whose connection was lost (and replaced) has nothing left to close."""
    try:
        Disconnect(si)
    except Exception:  # pylint: disable=broad-except
        pass


class VmwareModule(VmfleetModule):
    """Base of the vSphere modules: merges the connection options, connects once, disconnects at exit."""

    connection_spec = staticmethod(vmware_argument_spec)
    required_library = (HAS_PYVMOMI, "pyvmomi")

    def __init__(self):
        super(VmwareModule, self).__init__()
        self._si = None
        self._content = None

    def reconnect(self):
        self._si = None
        self._content = None

    def is_transient(self, error):
        return is_transient(error)

    @property
    def endpoint(self):
        return "%s:%s" % (self.params["hostname"], self.params["port"])

    @property
    def si(self):
        if self._si is None:
            self._si = self._connect()
        return self._si

    @property
    def content(self):
        if self._content is None:
            self._content = self.si.RetrieveContent()
        return self._content

    def _connect(self):
        params = self.params
        env = {"hostname": "VMWARE_HOST", "username": "VMWARE_USER", "password": "VMWARE_PASSWORD"}
        missing = [name for name in ("hostname", "username", "password") if not params[name]]
        if missing:
            self.fail("missing %s: set %s in the task or export %s" % (
                ", ".join(missing), " and ".join(missing), " and ".join(env[m] for m in missing)))
        context = ssl.create_default_context()
        if not params["validate_certs"]:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        proxy = {}
        if params["proxy_host"]:  # an HTTPS proxy relays every request (CONNECT), as in vmware.vmware
            proxy = dict(httpProxyHost=params["proxy_host"], httpProxyPort=params["proxy_port"] or 80)
        try:
            si = SmartConnect(host=params["hostname"], port=params["port"], user=params["username"],
                              pwd=params["password"], sslContext=context, **proxy)
        except ssl.SSLError as error:
            raise VsphereError("cannot verify the TLS certificate of %s (%s): install the CA that signed it, "
                               "or set validate_certs=false for a self-signed certificate you trust"
                               % (self.endpoint, error))
        except CONNECTION_ERRORS as error:
            raise VsphereError("cannot reach the vSphere API at %s: %s" % (self.endpoint, error))
        atexit.register(_disconnect_quietly, si)
        return si

    def error_types(self):
        return super(VmwareModule, self).error_types() + PYVMOMI_ERRORS + (VsphereError,) + CONNECTION_ERRORS

    def describe_error(self, error):
        if isinstance(error, VsphereError):
            return str(error)
        if HAS_PYVMOMI and isinstance(error, vim.fault.InvalidLogin):
            return ("authentication failed at %s: check username and password (or VMWARE_USER and "
                    "VMWARE_PASSWORD) (%s)" % (self.endpoint, fault_text(error)))
        if HAS_PYVMOMI and isinstance(error, vmodl.MethodFault):
            return "vSphere API error at %s: %s" % (self.endpoint, fault_text(error))
        if isinstance(error, CONNECTION_ERRORS):
            return describe_transport_error(error, self.endpoint)
        return super(VmwareModule, self).describe_error(error)
