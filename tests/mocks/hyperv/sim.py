"""Simulated time shared by every script the mock runs.

Time moves only when every running script ("actor") is waiting — in Start-Sleep, in a cmdlet's
-Wait, or for a condition of the cluster model. Then the clock jumps to the next thing that can
happen (a scheduled event such as a finished live migration, or a sleeper's wake-up time). So a
three-hour CAU run takes a fraction of a second, and the same inputs always give the same run.
With no script running, time stands still unless the control API advances it or an idle speed
is set. One re-entrant lock guards the clock and the whole cluster model.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import itertools
import math
import threading
from typing import Callable


class Cancelled(Exception):
    """The command waiting here was stopped (WS-Man Signal terminate or shell deleted)."""


class CancelToken:
    def __init__(self):
        self.cancelled = False


class _Waiter:
    __slots__ = ('wake', 'predicate', 'token', 'ready', 'satisfied')

    def __init__(self, wake: float, predicate, token):
        self.wake = wake
        self.predicate = predicate
        self.token = token
        self.ready = False
        self.satisfied = False


class SimClock:
    """Discrete-event clock with a barrier over the actors (running scripts)."""

    def __init__(self, start: dt.datetime):
        self.lock = threading.RLock()
        self._cond = threading.Condition(self.lock)
        self.start = start
        self.now = 0.0
        self._events: list = []
        self._seq = itertools.count()
        self._actors = 0
        self._waiters: list[_Waiter] = []

    # -------------------------------------------------------------- queries
    def datetime(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.now)

    # --------------------------------------------------------------- events
    def schedule(self, delay_seconds: float, action: Callable[[], None]) -> None:
        """Run `action` (under the lock) when simulated time reaches now + delay."""
        with self.lock:
            heapq.heappush(self._events, (self.now + max(0.0, delay_seconds), next(self._seq), action))

    # --------------------------------------------------------------- actors
    def enter(self) -> None:
        """Register one more running script (an actor); time cannot pass while it runs."""
        with self.lock:
            self._actors += 1

    def leave(self) -> None:
        with self.lock:
            self._actors -= 1
            self._advance()

    @contextlib.contextmanager
    def actor(self):
        """Mark the calling thread as a running script for the duration of the block."""
        self.enter()
        try:
            yield
        finally:
            self.leave()

    @property
    def actors(self) -> int:
        return self._actors

    def sleep(self, seconds: float, token: CancelToken | None = None) -> None:
        self.wait(None, seconds, token)

    def wait(self, predicate: Callable[[], bool] | None, timeout_seconds: float | None = None,
             token: CancelToken | None = None) -> bool:
        """Block the calling actor until `predicate()` holds or the timeout passes (simulated seconds).

        Returns whether the predicate held. Time advances while every actor waits.
        """
        with self.lock:
            if predicate is not None and predicate():
                return True
            wake = math.inf if timeout_seconds is None else self.now + max(0.0, timeout_seconds)
            waiter = _Waiter(wake, predicate, token)
            self._waiters.append(waiter)
            try:
                self._advance()
                while not waiter.ready:
                    self._cond.wait()
                if token is not None and token.cancelled:
                    raise Cancelled()
                return waiter.satisfied
            finally:
                self._waiters.remove(waiter)

    def cancel(self, token: CancelToken) -> None:
        with self.lock:
            token.cancelled = True
            for waiter in self._waiters:
                if waiter.token is token:
                    waiter.ready = True
            self._cond.notify_all()

    def advance(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass, as if a script slept that long (control API)."""
        with self.actor():
            self.sleep(seconds)

    def poke(self) -> None:
        """Re-check waiting conditions after the model changed outside any actor."""
        with self.lock:
            self._check_waiters()
            self._cond.notify_all()

    # ------------------------------------------------------------- internals
    def _check_waiters(self) -> bool:
        woke = False
        for waiter in self._waiters:
            if waiter.ready:
                continue
            if waiter.token is not None and waiter.token.cancelled:
                waiter.ready = woke = True
            elif waiter.predicate is not None and waiter.predicate():
                waiter.ready = waiter.satisfied = woke = True
            elif waiter.wake <= self.now:
                waiter.ready = woke = True
        return woke

    def _advance(self) -> None:
        """While every actor waits, jump to the next event or wake-up and run it."""
        if self._check_waiters():
            self._cond.notify_all()
            return
        while self._actors > 0 and sum(1 for w in self._waiters if not w.ready) >= self._actors:
            next_event = self._events[0][0] if self._events else math.inf
            next_wake = min((w.wake for w in self._waiters if not w.ready), default=math.inf)
            target = min(next_event, next_wake)
            if target == math.inf:
                for waiter in self._waiters:  # nothing can ever change: release everyone, unsatisfied
                    waiter.ready = True
                break
            self.now = max(self.now, target)
            while self._events and self._events[0][0] <= self.now:
                due, seq, action = heapq.heappop(self._events)
                action()
            if self._check_waiters():
                break
        self._cond.notify_all()
