# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of vmfleet.maintenance.host_drain: one task for every platform's drain module, the way
ansible.builtin.package runs the package manager's module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

try:  # ansible-core 2.19 and later
    from ansible.executor.module_common import _apply_action_arg_defaults
    get_action_args_with_defaults = None
except ImportError:  # ansible-core 2.16 to 2.18
    _apply_action_arg_defaults = None
    from ansible.executor.module_common import get_action_args_with_defaults

PLATFORM_MODULES = {
    "nova": "vmfleet.maintenance.nova_host_drain",
    "vsphere": "vmfleet.maintenance.vsphere_host_drain",
    "hyperv": "vmfleet.maintenance.hyperv_node_drain",
}

# Options every platform module takes under the same name (the drain doc fragment, and timeout); the module checks them.
PASSED_ON = ("plan", "scope", "rolling_order", "headroom_percent", "max_parallel_per_host", "max_parallel_total",
             "stall_seconds", "on_stall", "poll_seconds", "progress_file", "allow_partial", "allow_downtime",
             "allow_downtime_vms", "timeout")

ARGUMENT_SPEC = dict(
    dict((name, dict(type="raw")) for name in PASSED_ON),
    platform=dict(type="str", required=True, choices=sorted(PLATFORM_MODULES)),
    host=dict(type="str", required=True),
    mode=dict(type="str", default="drain", choices=["drain", "failback"]),
    connection=dict(type="dict", default={}),
)


def platform_args(platform, host, mode):
    """What differs between the platforms: how their module names the host, and what draining it or failing back
    onto it asks of the module."""
    if platform == "hyperv":
        if mode == "drain":
            return dict(node=host, state="paused")
        return dict(node=host, state="resumed", failback="planned")
    if platform == "vsphere":
        return dict(host=host, maintenance_mode="enter" if mode == "drain" else "none")
    return dict(host=host)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        module = PLATFORM_MODULES[args["platform"]]
        module_args = dict(args["connection"])
        module_args.update((name, args[name]) for name in PASSED_ON if args[name] is not None)
        module_args.update(platform_args(args["platform"], args["host"], args["mode"]))
        module_args = self._with_module_defaults(module, module_args)
        result.update(self._execute_module(module_name=module, module_args=module_args, task_vars=task_vars,
                                           wrap_async=self._task.async_val))
        return result

    def _with_module_defaults(self, module, module_args):
        """The play's module_defaults for the platform module or its action group, under the arguments given."""
        if _apply_action_arg_defaults is not None:
            return _apply_action_arg_defaults(module, self._task, module_args, self._templar)
        return get_action_args_with_defaults(module, module_args, self._task.module_defaults, self._templar,
                                             action_groups=self._task._parent._play._action_groups)
