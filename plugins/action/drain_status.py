# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of vmfleet.maintenance.drain_status: the drain's files are read in the controller's own process.

A watch checks a drain every few seconds for as long as it runs; a module process per check costs more CPU than
the check, and a controller running many clusters side by side is bound by that CPU.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.status import (
    DEFAULT_ASYNC_DIR, STATUS_REQUIRED_ONE_OF, StatusFailure, check_drain, status_argument_spec)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        try:
            validation = self.validate_argument_spec(argument_spec=status_argument_spec(),
                                                     required_one_of=STATUS_REQUIRED_ONE_OF)[0]
        except AnsibleActionFail as error:
            return dict(result, failed=True, msg=str(error.message).replace(self._load_name, self._task.action))
        params = validation.validated_parameters
        if params["job_id"] and not params["async_dir"]:  # where Ansible's async tasks write (its async_dir)
            params["async_dir"] = self.get_shell_option("async_dir", default=DEFAULT_ASYNC_DIR)
        result["changed"] = False
        try:
            result.update(check_drain(params))
        except StatusFailure as failure:
            result.update(failure.results, failed=True, msg=failure.msg)
        return result
