# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every vmfleet module shares: building the AnsibleModule, running it, one error path.

A module is a small class: it declares ``argument_spec`` (and ``module_kwargs``) and implements
``run()``, which fills ``self.results`` or calls ``self.fail()``. Platform base classes extend
``error_types()`` and ``describe_error()`` so library exceptions become one clear ``fail_json``, and
``is_transient()`` and ``reconnect()`` so a module whose run() is safe to repeat rides through a short
outage of the API (option ``retry_seconds``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.interrupted import DrainInterrupted
from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.model import PlacementInputError
from ansible_collections.vmfleet.maintenance.plugins.module_utils.transient import Transient, retried_text


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

    A transient error (``is_transient``) escaping run() makes the base drop the connection and call run()
    again, for up to ``retry_seconds`` since the first failure, when the module says that is safe:
    ``retry_whole_run`` for a run() that only reads or converges on a desired state, ``retry_unchanged_run``
    for one that is safe to repeat only until it has set ``changed`` (it sets it before acting).
    """

    argument_spec = {}
    module_kwargs = {}
    connection_spec = None
    required_library = (True, None)
    retry_whole_run = False
    retry_unchanged_run = False

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

    def is_transient(self, error):
        """True for an error worth waiting out (the API briefly unreachable or failing); platforms say which."""
        return False

    def reconnect(self):
        """Drop the cached connection, so that the next use connects again (platforms override)."""

    def __call__(self):
        try:
            self._run()
        except ModuleFailure as failure:
            self.results.update(failure.extra)
            self.ansible.fail_json(msg=failure.msg, **self.results)
        except DrainInterrupted as interrupted:
            self.results["results"] = interrupted.result_dicts()
            self.ansible.fail_json(msg=self._interrupted_text(interrupted), exception=traceback.format_exc(),
                                   **self.results)
        except self.error_types() as error:  # pylint: disable=catching-non-exception
            self.ansible.fail_json(msg=self.describe_error(error) + retried_text(error),
                                   exception=traceback.format_exc(), **self.results)
        self.ansible.exit_json(**self.results)

    def _run(self):
        """run(), repeated after a transient error within retry_seconds when the module says it is safe."""
        window = self.params.get("retry_seconds") or 0
        if window <= 0 or not (self.retry_whole_run or self.retry_unchanged_run):
            self.run()
            return
        initial = dict(self.results)

        def retryable(error):
            return (not isinstance(error, (ModuleFailure, DrainInterrupted)) and self.is_transient(error)
                    and (self.retry_whole_run or not self.results.get("changed")))

        def again(error, delay_seconds):
            changed = bool(self.results.get("changed"))
            self.results.clear()
            self.results.update(initial, changed=changed)
            self.reconnect()

        retry = Transient(retryable, window, on_retry=again)
        retry.call(self.run)
        for outage in retry.outages:
            self.ansible.warn("rode through a transient failure: %s (the run was repeated for %d s until it "
                              "succeeded)" % (self._describe(outage.last_error), round(outage.elapsed_seconds)))

    def _describe(self, error):
        if isinstance(error, self.error_types()):  # pylint: disable=isinstance-second-argument-not-valid-type
            return self.describe_error(error)
        return "%s: %s" % (type(error).__name__, error)

    def _interrupted_text(self, interrupted):
        """'the drain stopped on an unexpected error: <cause>. Moves: 2 moved, 1 in flight. Still moving ...'."""
        counts = interrupted.counts()
        in_flight = [r.move["vm"] for r in interrupted.results if r.status() == "in_flight"]
        parts = ["%d %s" % (counts[k], k.replace("_", " ")) for k in ("moved", "failed", "in_flight", "not_started")
                 if counts.get(k)]
        text = "the drain stopped on an unexpected error: %s%s. Moves: %s" % (
            self._describe(interrupted.cause), retried_text(interrupted.cause), ", ".join(parts) or "none")
        if in_flight:
            text += ". Still moving when it stopped: %s; check where they end up before running it again" % (
                ", ".join(in_flight[:10]))
        return text
