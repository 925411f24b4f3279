# -*- coding: utf-8 -*-
"""The modules' WinRM transport: the second hop they need (CredSSP), failing fast without it, the client
libraries each transport needs, and kerberos_delegation reaching pywinrm."""

import importlib
import inspect
import json
import os
import subprocess
import sys
import tempfile
import types

import pytest

from module_runner import COLLECTIONS, run_module

PACKAGE = "ansible_collections.vmfleet.maintenance.plugins"
MODULES = [
    ("hyperv_cluster_info", {}),
    ("cau_cluster_role", {"failback_mode": "NoFailback"}),
    ("cau_wait_script", {"mode": "sleep", "seconds": 60}),
    ("cau_run", {}),
    ("cau_run", {"mode": "remote", "cluster_name": "HVCLU01"}),
    ("hyperv_node_drain", {"node": "HV01"}),
    ("hyperv_vm_network_monitoring", {"vm": "WEB01", "switch_name": "Private", "monitored": False}),
    ("hyperv_migration_events", {}),
]


def needs_second_hop(name, args=None):
    """The module's needs_second_hop for these arguments (a class attribute, or a property of the parameters):
    the CAU modules that leave everything to the cluster itself need no second hop."""
    from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv.base import WinRMModule
    module = importlib.import_module("%s.modules.%s" % (PACKAGE, name))
    cls = [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, WinRMModule)
           and c is not WinRMModule][0]
    value = inspect.getattr_static(cls, "needs_second_hop")
    if not isinstance(value, property):
        return value
    params = dict((key, spec.get("default")) for key, spec in cls.argument_spec.items())
    params.update(args or {})
    return value.fget(types.SimpleNamespace(params=params))


@pytest.mark.parametrize("transport,extra", [("ntlm", {}), ("basic", {}), ("plaintext", {}),
                                             ("kerberos", {}), ("kerberos", {"kerberos_delegation": True})])
@pytest.mark.parametrize("module,args", MODULES)
def test_a_module_that_needs_the_second_hop_fails_fast_without_credssp(small, module, args, transport, extra):
    if not needs_second_hop(module, args):
        pytest.skip("%s runs everything on the cluster itself" % module)
    result = run_module(module, dict(small.args, transport=transport, **dict(args, **extra)))
    assert result.get("failed"), result
    assert result["msg"].startswith("this module needs a second hop: it reaches the other cluster nodes from the "
                                    "WinRM endpoint (live migration with Move-ClusterVirtualMachineRole"), result["msg"]
    assert result["msg"].endswith("Use transport credssp: run Enable-WSManCredSSP -Role Server on every node, and "
                                  "connect over HTTPS (port 5986)"), result["msg"]
    if extra:
        assert "Kerberos delegation does not carry a second hop made over WinRM" in result["msg"]
    else:
        assert "with transport %s the credentials stay on the endpoint" % transport in result["msg"]
    assert small.commands_sent() == [], "nothing may reach the endpoint"


def test_credssp_is_the_default_and_carries_the_second_hop(small):
    args = dict(small.args)
    del args["transport"]
    result = run_module("hyperv_cluster_info", args)
    assert not result.get("failed"), result.get("msg")
    assert sorted(h["name"] for h in result["hosts"]) == ["HV01", "HV02", "HV03"]
    logons = set(json.dumps(c["logon"], sort_keys=True) for c in small.commands_sent())
    assert logons == {json.dumps({"user": "CONTOSO\\Administrator", "transport": "credssp", "delegated": True},
                                 sort_keys=True)}


def test_credssp_turned_off_on_the_service_says_how_to_turn_it_on(small):
    small.control.winrm(credssp=False)
    result = run_module("hyperv_cluster_info", small.args)
    assert result.get("failed") and result["msg"].startswith(
        "CredSSP authentication failed at http://127.0.0.1:%d/wsman as CONTOSO\\Administrator (" % small.port)
    assert result["msg"].endswith("CredSSP must be enabled on the WinRM service there (Enable-WSManCredSSP -Role "
                                  "Server)"), result["msg"]
    assert small.commands_sent() == []


def _python_without(package, code, args=None):
    """Run `code` in a Python where `package` cannot be imported (sys.argv[1]: a module-args file); its JSON."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args or {}}, handle)
    code = "import json, runpy, sys; sys.modules[%r] = None; sys.argv = ['module', %r]; %s" % (
        package, handle.name, code)
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, PYTHONPATH=COLLECTIONS), check=False)
    finally:
        os.unlink(handle.name)
    return json.loads(proc.stdout)


def test_without_requests_credssp_a_module_fails_naming_the_package(small):
    result = _python_without("requests_credssp", "runpy.run_module('%s.modules.hyperv_cluster_info', "
                             "run_name='__main__')" % PACKAGE, small.args)
    assert result.get("failed"), result
    assert result["msg"] == ("transport credssp needs the Python package requests-credssp on the controller: "
                             "pip install 'pywinrm[credssp]'")
    assert small.commands_sent() == []


def test_without_pykerberos_transport_kerberos_names_the_package_and_its_build_needs():
    message = _python_without("kerberos", "from %s.module_utils.hyperv.base import missing_library; "
                              "print(json.dumps(missing_library('kerberos')))" % PACKAGE)
    assert message.startswith("transport kerberos needs the Python package pykerberos on the controller: "
                              "pip install 'pywinrm[kerberos]'"), message
    assert "libkrb5-dev" in message


class FakeProtocol:
    """Stands in for winrm.Protocol: records the options the module passes."""
    calls = []

    def __init__(self, **options):
        FakeProtocol.calls.append(options)


@pytest.mark.parametrize("delegation", [True, False])
def test_kerberos_delegation_reaches_pywinrm(monkeypatch, delegation):
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes
    from ansible_collections.vmfleet.maintenance.plugins.module_utils.hyperv import base as winrm_base

    class Reader(winrm_base.WinRMModule):
        needs_second_hop = False

    args = {"host": "hv01.contoso.local", "transport": "kerberos", "username": "admin@CONTOSO.LOCAL",
            "password": "x", "kerberos_delegation": delegation}
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
    monkeypatch.setattr(winrm_base, "TRANSPORT_LIBRARIES", {})
    monkeypatch.setattr(winrm_base.winrm, "Protocol", FakeProtocol)
    FakeProtocol.calls = []
    Reader().shell.protocol
    assert FakeProtocol.calls == [dict(
        endpoint="https://hv01.contoso.local:5986/wsman", transport="kerberos", username="admin@CONTOSO.LOCAL",
        password="x", server_cert_validation="validate", operation_timeout_sec=20, read_timeout_sec=30,
        kerberos_delegation=delegation)]
