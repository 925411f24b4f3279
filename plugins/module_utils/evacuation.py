# -*- coding: utf-8 -*-
# Copyright: contributors to vmfleet.maintenance
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Carry out a placement plan with a platform adapter: waves in order, fallbacks, stalls, timeout.

Platform code only implements the adapter (start, poll, abort, force_complete); the order, the
parallelism and the fallback chain come from the plan and live here, once, for every platform.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.vmfleet.maintenance.plugins.module_utils.placement.model import METHODS

RUNNING, DONE, FAILED = "running", "done", "failed"


class MoveStatus:
    """What a platform reports about one move in flight."""

    def __init__(self, state, progress=None, detail="", host=None, copying=True, percent=None):
        self.state = state
        self.percent = percent
        self.progress = progress
        self.detail = detail
        self.host = host
        self.copying = copying


class MoveAdapter:
    """The platform side of a move; subclasses talk to nova, vCenter or the cluster service."""

    methods = METHODS

    def start(self, move, method):
        """Start moving move['vm'] to move['target'] by method; returns a handle for poll()."""
        raise NotImplementedError

    def poll(self, handle):
        """A MoveStatus for the handle."""
        raise NotImplementedError

    def abort(self, handle):
        raise NotImplementedError

    def force_complete(self, handle):
        raise NotImplementedError


class MoveResult:
    """Per-VM outcome, returned to the user."""

    def __init__(self, move):
        self.move = move
        self.attempts = []
        self.started = None
        self.finished = None
        self.final_host = move["source"]
        self.method = None
        self.error = None
        self.progress = None
        self.progress_at = None

    def status(self):
        """moved, failed, or not_started (an earlier wave failed, so this move was never tried)."""
        if self.started is None:
            return "not_started"
        return "moved" if self.error is None and self.method else "failed"

    def as_dict(self):
        return {
            "vm": self.move["vm"], "source": self.move["source"], "target": self.move["target"],
            "wave": self.move.get("wave"), "method": self.method, "attempts": self.attempts,
            "memory_mb": self.move.get("memory_mb"),
            "duration_seconds": round((self.finished or 0) - (self.started or 0), 2) if self.started else 0,
            "final_host": self.final_host, "error": self.error,
            "status": self.status(),
        }


def fallback_methods(first, allowed, supported):
    """The planned method, then the later allowed ones the platform supports, in canonical order."""
    start = METHODS.index(first)
    return [m for m in METHODS[start:] if m in allowed and m in supported]


class PlanRunner:
    """Runs a plan's moves wave by wave and watches them until done, failed or stalled."""

    def __init__(self, adapter, allowed_methods, stall_seconds=120, on_stall="abort", timeout=3600,
                 poll_seconds=2.0, progress=None, clock=time.monotonic, sleep=time.sleep):
        self.adapter = adapter
        self.allowed = allowed_methods
        self.stall_seconds = stall_seconds
        self.on_stall = on_stall
        self.timeout = timeout
        self.poll_seconds = poll_seconds
        self.progress = progress
        self.clock = clock
        self.sleep = sleep

    def run(self, moves):
        """Results for every move, in plan order; stops starting new waves after a failure."""
        results = [MoveResult(m) for m in moves]
        deadline = self.clock() + self.timeout
        waves = sorted(set((m.get("step") or 0, m.get("wave") or 0) for m in moves))
        for key in waves:
            batch = [r for r in results if (r.move.get("step") or 0, r.move.get("wave") or 0) == key]
            self._run_wave(batch, deadline)
            if any(r.error for r in batch):
                for rest in results:
                    if rest.started is None:
                        rest.error = "not started: an earlier wave failed"
                break
        return results

    def _run_wave(self, batch, deadline):
        active = {}
        for result in batch:
            methods = fallback_methods(result.move["method"], self.allowed.get(result.move["vm"], METHODS),
                                       self.adapter.methods)
            result.started = self.clock()
            active[id(result)] = (result, methods, self._start(result, methods))
        while active:
            for key in list(active):
                result, methods, handle = active[key]
                if handle is None:
                    del active[key]
                    continue
                next_handle = self._advance(result, methods, handle, deadline)
                if next_handle is handle:
                    continue
                if next_handle is None:
                    del active[key]
                else:
                    active[key] = (result, methods, next_handle)
            if active:
                self.sleep(self.poll_seconds)

    def _start(self, result, methods):
        """Start the first method that the platform accepts; None when none is left."""
        while methods:
            method = methods.pop(0)
            result.attempts.append({"method": method})
            try:
                handle = self.adapter.start(result.move, method)
            except MoveRefused as refused:
                result.attempts[-1]["error"] = str(refused)
                result.error = str(refused)
                continue
            result.method = method
            result.error = None
            result.progress, result.progress_at = None, self.clock()
            return handle
        result.method = None
        result.finished = self.clock()
        return None

    def _advance(self, result, methods, handle, deadline):
        """Poll once; returns the same handle while running, a new one after a fallback, or None."""
        status = self.adapter.poll(handle)
        now = self.clock()
        if status.state == DONE:
            result.final_host = status.host or result.move["target"]
            result.finished = now
            result.error = None
            self._report(result, status)
            return None
        if status.state == FAILED:
            result.attempts[-1]["error"] = status.detail
            result.error = status.detail
            result.final_host = status.host or result.move["source"]
            self._report(result, status)
            return self._start(result, methods)
        if status.progress != result.progress:
            result.progress, result.progress_at = status.progress, now
            self._report(result, status)
        if now > deadline:
            self.adapter.abort(handle)
            result.error = "timed out after %ss; migration aborted" % self.timeout
            result.attempts[-1]["error"] = result.error
            result.finished = now
            return None
        if not status.copying:
            result.progress_at = now
        elif self.stall_seconds and now - result.progress_at > self.stall_seconds:
            return self._stalled(result, methods, handle, now)
        return handle

    def _stalled(self, result, methods, handle, now):
        """Act on a move whose progress stopped: force it to complete once, abort it, or fail."""
        detail = "no progress for %ss (remaining %s)" % (self.stall_seconds, result.progress)
        attempt = result.attempts[-1]
        attempt.setdefault("stalled", detail)
        if self.on_stall == "force_complete" and "action" not in attempt:
            self.adapter.force_complete(handle)
            result.progress_at = now
            attempt["action"] = "force_complete"
            return handle
        if self.on_stall == "abort":
            self.adapter.abort(handle)
            result.attempts[-1]["action"] = "abort"
        result.error = detail + ("; aborted" if self.on_stall == "abort" else "")
        result.finished = now
        return None

    def _report(self, result, status):
        if self.progress:
            self.progress(result, status)


class MoveRefused(Exception):
    """The platform refused to start a move by this method (the runner tries the next one)."""
