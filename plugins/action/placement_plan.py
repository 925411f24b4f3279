# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of vmfleet.maintenance.placement_plan: the plan is computed in the controller's own process.

A rolling update plans several times per step (the drain, the failback, each utilization snapshot); a module
process per plan costs more CPU than the plan itself, and a controller running many clusters side by side is
bound by that CPU.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.model import PlacementInputError
from ansible_collections.vmfleet.maintenance.plugins.module_utils.plan_request import (
    plan_argument_spec, plan_from_params)

display = Display()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        try:
            validation = self.validate_argument_spec(argument_spec=plan_argument_spec())[0]
        except AnsibleActionFail as error:
            return dict(result, failed=True, msg=str(error.message).replace(self._load_name, self._task.action))
        for deprecation in validation._deprecations:  # pylint: disable=protected-access
            display.deprecated(deprecation.get("msg", ""), version=deprecation.get("version"),
                               collection_name=deprecation.get("collection_name"))
        params = validation.validated_parameters
        try:
            plan, error = plan_from_params(params)
        except PlacementInputError as error:
            return dict(result, failed=True, msg=str(error))
        result.update(changed=False, plan=plan)
        if error:
            result.update(failed=True, msg=error)
        return result
