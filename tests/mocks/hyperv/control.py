"""A tiny client for the mock's control API (`/_mock/...`), for tests and scripts."""
from __future__ import annotations

import json
import urllib.request
from typing import Any


class MockControl:
    def __init__(self, wsman_url: str):
        self.base = wsman_url.rsplit('/wsman', 1)[0] + '/_mock/'

    def _call(self, name: str, payload: dict | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode('utf-8')
        request = urllib.request.Request(self.base + name, data=data, method='GET' if data is None else 'POST',
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read() or b'null')

    def state(self) -> dict:
        return self._call('state')

    def events(self, node: str | None = None) -> list[dict]:
        return self._call('events' + (f'?node={node}' if node else ''))

    def commands(self) -> list[dict]:
        return self._call('commands')

    def files(self, node: str) -> dict[str, str]:
        return self._call(f'files?node={node}')

    def advance(self, seconds: float) -> float:
        return self._call('advance', {'seconds': seconds})['now']

    def reset(self, scenario: str | dict | None = None, seed: int | None = None) -> None:
        payload: dict[str, Any] = {}
        if scenario is not None:
            payload['scenario'] = scenario
        if seed is not None:
            payload['seed'] = seed
        self._call('reset', payload)

    def fault(self, **kinds: Any) -> None:
        self._call('fault', kinds)

    def api_down(self, mode: str = '503', seconds: float | None = None) -> dict:
        """Make the WinRM endpoint answer 503 or reset connections (for `seconds` real seconds, or until up)."""
        payload: dict[str, Any] = {'mode': mode}
        if seconds is not None:
            payload['seconds'] = seconds
        return self._call('api/down', payload)

    def api_up(self) -> dict:
        return self._call('api/up', {})

    def winrm(self, **settings: bool) -> dict:
        """The listener's auth settings (basic, negotiate, credssp, allow_unencrypted); given ones are set first."""
        return self._call('winrm', settings) if settings else self._call('winrm')

    def downtime(self, vm: str | None = None) -> Any:
        """One VM's downtime events, or the cluster-wide summary."""
        if vm is None:
            return self.state()['downtime']
        return self.vm(vm)['downtime']

    def set_idle_speed(self, simulated_seconds_per_second: float) -> None:
        self._call('clock', {'idle_speed': simulated_seconds_per_second})

    def stop(self) -> None:
        self._call('stop', {})

    # conveniences for assertions
    def vm(self, name: str) -> dict:
        return next(v for v in self.state()['vms'] if v['name'].lower() == name.lower())

    def node(self, name: str) -> dict:
        return next(n for n in self.state()['nodes'] if n['name'].lower() == name.lower())

    def last_cau_run(self) -> dict | None:
        runs = self.state()['cau']['runs']
        return runs[-1] if runs else None
