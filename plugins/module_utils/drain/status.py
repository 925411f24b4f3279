# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drain_status's one check: a background drain's result file and progress file read into the task's result.

Shared by the module (plugins/modules/drain_status.py) and its action plugin, which reads the files in the
controller's own process: a watch checks every few seconds for as long as a drain runs, and a module process
per check would cost more CPU than the check.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import time

from ansible_collections.vmfleet.maintenance.plugins.module_utils.drain.progress import (
    progress_elapsed_seconds, progress_lines, progress_moves)
from ansible_collections.vmfleet.maintenance.plugins.module_utils.rollout.files import read_json as _read_json

DEFAULT_ASYNC_DIR = "~/.ansible_async"


def status_argument_spec():
    """drain_status's argument spec (async_dir's fallback is added by the caller: the module's environment or the
    controller's async_dir setting)."""
    return dict(
        job_id=dict(type="str"),
        results_file=dict(type="path"),
        progress_file=dict(type="path"),
        async_dir=dict(type="path"),
    )


STATUS_REQUIRED_ONE_OF = [("job_id", "results_file")]


class StatusFailure(Exception):
    """The check failed: msg, and the result keys it returns with the failure."""

    def __init__(self, msg, results):
        super(StatusFailure, self).__init__(msg)
        self.msg = msg
        self.results = results


def check_drain(params):
    """The result keys of one check (finished, lost, progress, moves, host, elapsed_seconds, drain); raises
    StatusFailure when the job is unknown, lost or failed."""
    job_file = params["results_file"] or os.path.join(
        os.path.expanduser(params["async_dir"] or DEFAULT_ASYNC_DIR), params["job_id"])
    if not os.path.exists(job_file):
        raise StatusFailure("no asynchronous job result at %s: was the drain started with async and poll: 0 (and "
                            "the same async_dir)?" % job_file, {})
    job = _read_json(job_file) or {}
    progress = _read_json(params["progress_file"]) if params["progress_file"] else None
    finished = bool(job.get("finished")) or ("started" not in job and bool(job))
    lost = not finished and _process_gone(progress)
    if lost:  # the job may be writing its result right now: look once more
        time.sleep(2)
        job = _read_json(job_file) or {}
        finished = bool(job.get("finished"))
        lost = not finished
    results = dict(finished=finished or lost, progress=progress_lines(progress) if progress else [], lost=lost,
                   moves=progress_moves(progress) if progress else [])
    if progress:
        results.update(host=progress.get("host"), elapsed_seconds=progress_elapsed_seconds(progress))
    if lost:
        raise StatusFailure("the drain job (pid %s) ended without writing its result; the moves it recorded are in %s"
                            % (progress.get("pid"), params["progress_file"]),
                            dict(results, results=progress.get("moves", [])))
    if finished:
        results["drain"] = dict((k, v) for k, v in job.items() if k not in ("invocation",))
        if job.get("failed"):
            raise StatusFailure(job.get("msg", "the drain failed"),
                                dict(results, results=job.get("results", []), plan=job.get("plan")))
    return results


def _process_gone(progress):
    """True when the progress file names a process of this machine that no longer runs."""
    pid = (progress or {}).get("pid")
    if not pid or progress.get("finished"):
        return False
    try:
        os.kill(int(pid), 0)
    except OSError as error:
        return error.errno != errno.EPERM
    return False
