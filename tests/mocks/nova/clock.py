"""Simulated time: real elapsed time times `time_scale`, plus manual skips."""

import datetime
import time


class SimClock:
    """Seconds since the scenario started, in simulated time.

    time_scale 0 freezes time; it then moves only through `skip`.
    """

    def __init__(self, time_scale):
        self.time_scale = float(time_scale)
        self._t0 = time.monotonic()
        self._skipped = 0.0
        self._epoch = datetime.datetime.now(datetime.timezone.utc).replace(
            microsecond=0)

    def now(self):
        """Current simulated time in seconds."""
        return (time.monotonic() - self._t0) * self.time_scale + self._skipped

    def skip(self, seconds):
        """Jump simulated time forward."""
        self._skipped += float(seconds)

    def isotime(self, sim_seconds, micro=False):
        """Wall-clock ISO 8601 text of a simulated instant."""
        stamp = self._epoch + datetime.timedelta(seconds=sim_seconds)
        if micro:
            return stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
