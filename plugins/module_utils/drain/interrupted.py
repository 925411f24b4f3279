# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a drain that stopped on an unexpected error is reported (apart from the runner, so that every module's
base can catch it without loading the runner)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def plain_error_text(error):
    """'KeyError: x' for an error no platform describes."""
    return "%s: %s" % (type(error).__name__, error)


class DrainInterrupted(Exception):
    """PlanRunner.run() stopped on an unexpected error; ``results`` still holds every move's MoveResult.

    Moves done or failed keep their outcome, moves under way are ``in_flight`` (final host unknown: they may
    finish on the platform meanwhile), the others ``not_started``. ``cause`` is the original error. A caller
    reports ``[r.as_dict() for r in error.results]`` and fails with str(error) or its own text for ``cause``;
    when a module lets it through, module_base does exactly that.
    """

    def __init__(self, cause, results, cause_text=None):
        super(DrainInterrupted, self).__init__("the drain stopped on an unexpected error: %s" % (
            cause_text or plain_error_text(cause)))
        self.cause = cause
        self.results = results

    def result_dicts(self):
        return [r.as_dict() for r in self.results]

    def counts(self):
        """Status -> number of moves (moved, failed, in_flight, not_started)."""
        counts = {}
        for result in self.results:
            counts[result.status()] = counts.get(result.status(), 0) + 1
        return counts
