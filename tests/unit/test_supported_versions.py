# -*- coding: utf-8 -*-
"""One supported ansible-core range: meta/runtime.yml states it, the EE and the requirements agree with it."""

import os
import re

import yaml
from ansible.release import __version__ as ansible_core_version
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _yaml(name):
    with open(os.path.join(ROOT, name), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _requirements(name):
    """The requirement lines of a pip requirements file, by lower-cased project name."""
    found = {}
    with open(os.path.join(ROOT, name), encoding="utf-8") as handle:
        for line in handle:
            line = re.sub(r"(^|\s)#.*$", "", line).strip()
            if line:
                requirement = Requirement(line)
                found[requirement.name.lower()] = requirement
    return found


def _supported():
    return SpecifierSet(_yaml("meta/runtime.yml")["requires_ansible"])


def test_runtime_states_a_bounded_range():
    supported = _supported()
    assert any(spec.operator == ">=" for spec in supported), supported
    assert any(spec.operator == "<" for spec in supported), supported


def test_installed_ansible_core_is_supported():
    assert ansible_core_version in _supported(), (
        "ansible-core %s is outside requires_ansible %s" % (ansible_core_version, _supported()))


def test_execution_environment_installs_the_supported_range():
    package = _yaml("execution-environment.yml")["dependencies"]["ansible_core"]["package_pip"]
    requirement = Requirement(package)
    assert requirement.name == "ansible-core"
    assert requirement.specifier == _supported()


def test_test_requirements_pin_a_supported_release():
    pinned = _requirements("requirements-test.txt")["ansible-core"]
    (spec,) = pinned.specifier
    assert spec.operator == "=="
    assert spec.version in _supported()


def test_user_requirements_are_lower_bounds_met_by_the_test_pins():
    """requirements.txt: lower bounds only (ansible-core comes from the range); the pins satisfy them."""
    users = _requirements("requirements.txt")
    pins = _requirements("requirements-test.txt")
    assert "ansible-core" not in users and "ansible" not in users
    assert users
    for name, requirement in users.items():
        assert [spec.operator for spec in requirement.specifier] == [">="], requirement
        (pin,) = pins[name].specifier
        assert pin.operator == "==" and pin.version in requirement.specifier, (requirement, pins[name])
        assert pins[name].extras == requirement.extras


def test_ee_and_requirements_yml_install_the_tarball_of_this_version():
    galaxy = _yaml("galaxy.yml")
    tarball = "build/%s-%s-%s.tar.gz" % (galaxy["namespace"], galaxy["name"], galaxy["version"])
    assert _yaml("requirements.yml")["collections"] == [{"name": tarball, "type": "file"}]
    ee = _yaml("execution-environment.yml")
    assert ee["dependencies"]["galaxy"] == "requirements.yml"
    assert ee["dependencies"]["python"] == "requirements.txt"
    assert ee["dependencies"]["system"] == "bindep.txt"
    copied = [entry for entry in ee["additional_build_files"] if entry["dest"] == "build"]
    assert [entry["src"] for entry in copied] == ["build/%s-%s-*.tar.gz" % (galaxy["namespace"], galaxy["name"])]


def test_documented_requirements_match_requirements_txt():
    """A module's documented 'pyvmomi >= 8.0' is the same lower bound requirements.txt installs."""
    users = _requirements("requirements.txt")
    documented = []
    fragments = os.path.join(ROOT, "plugins", "doc_fragments")
    for name in sorted(os.listdir(fragments)):
        with open(os.path.join(fragments, name), encoding="utf-8") as handle:
            documented += re.findall(r"^\s*-\s*([A-Za-z][\w.-]*)\s*>=\s*([0-9][0-9.]*)\s*$", handle.read(), re.M)
    checked = 0
    for package, version in documented:
        if package.lower() in users:
            (spec,) = users[package.lower()].specifier
            assert Version(spec.version) == Version(version), (package, version, spec)
            checked += 1
    assert checked
