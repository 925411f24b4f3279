# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The modules' attributes: what check mode and diff mode do, and which platform and action group a module is of.

    Every module extends DOCUMENTATION (the descriptions) and gives each attribute's support level and, where the
    module differs, its own details; READ_ONLY covers the modules that change nothing. NOVA, VSPHERE and HYPERV
    add the action group and the platform (literal strings: ansible-test reads doc fragments without running
    them)."""

    DOCUMENTATION = r'''
attributes:
  check_mode:
    description: Can run in check mode, reporting what would change without changing it.
  diff_mode:
    description: Returns what changed, or would change in check mode, when run in diff mode.
'''

    READ_ONLY = r'''
attributes:
  check_mode:
    support: full
    details: The module changes nothing; it runs the same in check mode.
  diff_mode:
    support: N/A
    details: The module changes nothing, so there is no before and after to show.
'''

    NOVA = r'''
attributes:
  action_group:
    description: Use C(group/vmfleet.maintenance.openstack) in C(module_defaults) to give the connection options once
      for every module of the group.
    support: full
    membership:
      - vmfleet.maintenance.openstack
  platform:
    description: What the module acts on. It runs where the task runs (usually the controller) and reaches the
      platform through its API.
    support: N/A
    platforms: OpenStack Compute (nova)
'''

    VSPHERE = r'''
attributes:
  action_group:
    description: Use C(group/vmfleet.maintenance.vmware) in C(module_defaults) to give the connection options once
      for every module of the group.
    support: full
    membership:
      - vmfleet.maintenance.vmware
  platform:
    description: What the module acts on. It runs where the task runs (usually the controller) and reaches the
      platform through its API.
    support: N/A
    platforms: VMware vSphere, through vCenter
'''

    HYPERV = r'''
attributes:
  action_group:
    description: Use C(group/vmfleet.maintenance.hyperv) in C(module_defaults) to give the connection options once
      for every module of the group.
    support: full
    membership:
      - vmfleet.maintenance.hyperv
  platform:
    description: What the module acts on. It runs where the task runs (usually the controller) and reaches the
      platform through its API.
    support: N/A
    platforms: Windows Server failover clusters with Hyper-V, over WinRM
'''
