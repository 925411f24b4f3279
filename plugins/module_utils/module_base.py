# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every vmfleet module shares: building the AnsibleModule, running it, one error path.

A module is a small class: it declares ``argument_spec`` (and ``module_kwargs``) and implements
``run()``, which fills ``self.results`` or calls ``self.fail()``. Platform base classes extend
``error_types()`` and ``describe_error()`` so library exceptions become one clear ``fail_json``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.model import PlacementInputError


class ModuleFailure(Exception):
    """Raised inside run() to stop with a message and extra result keys."""

    def __init__(self, msg, **extra):
        super(ModuleFailure, self).__init__(msg)
        self.msg = msg
        self.extra = extra


class VmfleetModule:
    """Base class: subclass, set argument_spec, implement run().

    Platform bases set ``connection_spec`` (a function returning the shared connection options, merged
    under the module's own) and ``required_library`` ((importable, pip package name)).
    """

    argument_spec = {}
    module_kwargs = {}
    connection_spec = None
    required_library = (True, None)

    def __init__(self):
        spec = dict(self.connection_spec()) if self.connection_spec else {}
        spec.update(self.argument_spec)
        self.ansible = AnsibleModule(argument_spec=spec, **self.module_kwargs)
        self.params = self.ansible.params
        self.check_mode = self.ansible.check_mode
        self.results = {"changed": False}
        available, package = self.required_library
        if not available:
            self.ansible.fail_json(msg="%s is required on the controller: pip install %s" % (package, package))

    def run(self):
        raise NotImplementedError

    def fail(self, msg, **extra):
        raise ModuleFailure(msg, **extra)

    def error_types(self):
        """Exception classes turned into a clean failure (platforms add their library's)."""
        return (PlacementInputError,)

    def describe_error(self, error):
        """The user-facing message for an exception of error_types()."""
        return str(error)

    def __call__(self):
        try:
            self.run()
        except ModuleFailure as failure:
            self.results.update(failure.extra)
            self.ansible.fail_json(msg=failure.msg, **self.results)
        except self.error_types() as error:  # pylint: disable=catching-non-exception
            self.ansible.fail_json(msg=self.describe_error(error), exception=traceback.format_exc(),
                                   **self.results)
        self.ansible.exit_json(**self.results)
