"""The HTTP server: `/wsman` for WinRM clients (auth.py: Negotiate, CredSSP, Basic; encrypted messages),
`/_mock/...` for tests (no auth, loopback).

Control API (JSON in, JSON out):
  GET  /_mock/state                  clock, nodes, VMs, migrations, CAU role and runs
  GET  /_mock/events?node=HV01       a node's System log
  GET  /_mock/commands               scripts received (decoded), exit codes, stderr
  GET  /_mock/files?node=HV01        files on a node's disk (and cluster storage)
  POST /_mock/advance {"seconds": n} let simulated time pass
  POST /_mock/reset  {"scenario": path | mapping, "seed": n}   reload (default: the start scenario)
  POST /_mock/fault  {"node_down": "HV03"} | {"node_up": ..} | {"update_failures": {"HV02": 1}}
                     | {"reboot_seconds": {"HV02": 2400}} | {"max_vm_migrations": {"HV01": 4}}
                     | {"stall_migrations": ["VM"] | {"VM": percent} | []}
  POST /_mock/clock  {"idle_speed": 60}   simulated seconds per real second while no script runs
  POST /_mock/api/down {"mode": "503" | "reset", "seconds": n}   /wsman answers 503 or resets connections
                     (for n real seconds, or until /_mock/api/up); the control API keeps answering
  POST /_mock/api/up                 /wsman answers again
  GET|POST /_mock/winrm {"basic": true, "credssp": false, "negotiate": true, "allow_unencrypted": true}
                     the listener's auth settings (POST changes them until the next reset)
  POST /_mock/stop                   shut the server down
"""
from __future__ import annotations

import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from . import scenario as scenario_mod
from .auth import Accounts, Connection, ListenerConfig, Refused
from .host import Logon
from .maintenance import crash
from .state_view import cluster_state, node_events
from .wsman import WSManService


class MockState:
    """What the server serves: the current cluster (replaced on reset), the listener's accounts and auth
    settings, the command log."""

    def __init__(self, scenario: str | Path | dict):
        self.scenario_source = scenario
        self.commands: list[dict[str, Any]] = []
        self.idle_speed = 0.0
        self.api_down_mode: str | None = None  # None | '503' | 'reset': the WinRM endpoint's outage
        self.api_down_until: float | None = None  # time.monotonic() when it ends by itself
        self.wsman = WSManService(self)
        self.load(scenario)

    def load(self, source: str | Path | dict, seed: int | None = None) -> None:
        if isinstance(source, (str, Path)):
            data = scenario_mod.yaml.safe_load(Path(source).read_text(encoding='utf-8'))
        else:
            data = dict(source)
        if seed is not None:
            data['seed'] = seed
        cluster, options = scenario_mod.load(data)
        if hasattr(self, 'cluster'):
            self.wsman.stop_all()
        self.cluster = cluster
        self.username = options['username']
        self.password = options['password']
        if getattr(self, 'accounts', None) is not None:
            self.accounts.close()
        self.accounts = Accounts(self.username, self.password, cluster.domain)
        self.listener = ListenerConfig.from_scenario(data)
        self.commands = []
        self.set_api_down(None)

    def set_api_down(self, mode: str | None, seconds: float | None = None) -> None:
        """Make `/wsman` unavailable ('503' or 'reset'), for `seconds` real seconds or until up."""
        if mode is not None and mode not in ('503', 'reset'):
            raise ValueError('mode must be "503" or "reset"')
        self.api_down_mode = mode
        self.api_down_until = None if mode is None or seconds is None else time.monotonic() + float(seconds)

    def api_down(self) -> str | None:
        """The outage in force now, if any."""
        if self.api_down_until is not None and time.monotonic() >= self.api_down_until:
            self.set_api_down(None)
        return self.api_down_mode

    def record_command(self, line: str, script: str, exit_code: int, stderr: str, seconds: float,
                       logon: Logon | None = None) -> None:
        self.commands.append({'command_line_length': len(line), 'script': script, 'exit_code': exit_code,
                              'stderr': stderr, 'real_seconds': round(seconds, 3),
                              'sim_time': round(self.cluster.clock.now, 3),
                              'logon': None if logon is None else {'user': logon.user, 'transport': logon.transport,
                                                                   'delegated': logon.delegated}})

    def fault(self, body: dict) -> dict:
        cluster = self.cluster
        with cluster.lock:
            for name in _names(body.get('node_down')):
                crash(cluster, _node(cluster, name))
            for name in _names(body.get('node_up')):
                _node(cluster, name).state = 'Up'
            for name, count in (body.get('update_failures') or {}).items():
                cluster.faults['update_failures'][_node(cluster, name).name] = int(count)
            for name, seconds in (body.get('reboot_seconds') or {}).items():
                _node(cluster, name).reboot_seconds = float(seconds)
            for name, count in (body.get('max_vm_migrations') or {}).items():
                _node(cluster, name).max_vm_migrations = int(count)
            if 'stall_migrations' in body:  # these VMs' live migrations stop converging (see migration.py)
                cluster.migrations.set_stalls(body['stall_migrations'])
            cut_off = cluster.faults.setdefault('unreachable', set())  # see cmdlets/second_hop.py
            cut_off.update(_node(cluster, n).name.lower() for n in _names(body.get('unreachable')))
            cut_off.difference_update(_node(cluster, n).name.lower() for n in _names(body.get('reachable')))
            cluster.migrations.dispatch()
        cluster.clock.poke()
        return {'ok': True}


def _names(value) -> list[str]:
    if not value:
        return []
    return value if isinstance(value, list) else [value]


def _node(cluster, name: str):
    node = cluster.node(name)
    if node is None:
        raise KeyError(f'unknown node {name!r}')
    return node


class _Handler(BaseHTTPRequestHandler):
    server_version = 'Microsoft-HTTPAPI/2.0'
    sys_version = ''
    protocol_version = 'HTTP/1.1'

    @property
    def state(self) -> MockState:
        return self.server.mock_state  # type: ignore[attr-defined]

    def setup(self):
        super().setup()
        self.auth = Connection()  # one handler per TCP connection: authentication holds for the connection

    def log_message(self, fmt, *args):  # quiet
        return

    def _send(self, status: int, body: bytes, content_type: str,
              extra: list[tuple[str, str]] | None = None) -> None:
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        for key, value in extra or []:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, default=str).encode('utf-8'), 'application/json')

    def _body(self) -> bytes:
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def do_POST(self):
        path = urlparse(self.path).path
        if path.lower() == '/wsman':
            return self._wsman()
        if path.startswith('/_mock/'):
            return self._control('POST', path)
        self._send(404, b'', 'text/plain')

    def do_GET(self):
        path = urlparse(self.path).path
        if path.startswith('/_mock/'):
            return self._control('GET', path)
        self._send(404, b'', 'text/plain')

    def _wsman(self):
        outage = self.state.api_down()
        if outage == 'reset':  # what a dropped listener or a load balancer gives: no answer at all
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            return None
        body = self._body()
        if outage == '503':  # HTTP.sys answers itself when the service behind the URL takes no requests
            return self._send(503, _HTTPSYS_503, 'text/html; charset=us-ascii')
        state = self.state
        try:
            logon, headers = self.auth.authenticate(state.listener, state.accounts, self.headers.get('Authorization'))
            message, encrypted = self.auth.open(body, self.headers.get('Content-Type') or '', state.listener)
        except Refused as refusal:
            return self._send(refusal.status, b'', 'text/plain', refusal.headers)
        if not message:  # the last leg of a handshake (an empty POST) sets the connection up
            return self._send(200, b'', 'application/soap+xml;charset=UTF-8', headers)
        endpoint = f'http://{self.headers.get("Host", "127.0.0.1")}/wsman'
        status, text = state.wsman.handle(message, endpoint, logon)
        reply, content_type = text.encode('utf-8'), 'application/soap+xml;charset=UTF-8'
        if encrypted:
            reply, content_type = self.auth.seal(reply)
        self._send(status, reply, content_type, headers)

    def _control(self, method: str, path: str):
        state = self.state
        query = parse_qs(urlparse(self.path).query)
        try:
            payload = json.loads(self._body() or b'{}') if method == 'POST' else {}
            name = path[len('/_mock/'):].strip('/')
            if name == 'state':
                with state.cluster.lock:
                    view = cluster_state(state.cluster)
                view['api_down'] = state.api_down()
                return self._json(200, view)
            if name == 'api/down':
                seconds = payload.get('seconds')
                state.set_api_down(str(payload.get('mode', '503')), None if seconds is None else float(seconds))
                return self._json(200, {'api_down': state.api_down(), 'seconds': seconds})
            if name == 'api/up':
                state.set_api_down(None)
                return self._json(200, {'api_down': None})
            if name == 'events':
                with state.cluster.lock:
                    return self._json(200, node_events(state.cluster, query.get('node', [None])[0]))
            if name == 'commands':
                return self._json(200, state.commands)
            if name == 'winrm':
                if method == 'POST':
                    state.listener.update(payload)
                return self._json(200, state.listener.as_dict())
            if name == 'files':
                node = state.cluster.node(query.get('node', [state.cluster.endpoint_node])[0])
                files = dict(node.files.values()) if node else {}
                files.update(state.cluster.shared_files.values())
                return self._json(200, files)
            if name == 'advance':
                state.cluster.clock.advance(float(payload.get('seconds', 0)))
                return self._json(200, {'now': state.cluster.clock.now})
            if name == 'reset':
                state.load(payload.get('scenario') or state.scenario_source, payload.get('seed'))
                return self._json(200, {'ok': True})
            if name == 'fault':
                return self._json(200, state.fault(payload))
            if name == 'clock':
                state.idle_speed = float(payload.get('idle_speed', 0))
                return self._json(200, {'idle_speed': state.idle_speed})
            if name == 'stop':
                self._json(200, {'ok': True})
                threading.Thread(target=self.server.shutdown, daemon=True).start()
                return None
            return self._json(404, {'error': f'unknown control endpoint {path}'})
        except (KeyError, ValueError, scenario_mod.ScenarioError) as exc:
            return self._json(400, {'error': str(exc)})


# a short page of our own; the status line and the message are what HTTP.sys reports
_HTTPSYS_503 = (b'<html><head><title>Service Unavailable</title></head><body><h2>Service Unavailable</h2>'
                b'<p>HTTP Error 503. The service is unavailable.</p></body></html>')


def _idle_ticker(server: ThreadingHTTPServer, state: MockState, stop: threading.Event) -> None:
    """Let simulated time flow at `idle_speed` while no script is running."""
    step = 0.1
    while not stop.wait(step):
        clock = state.cluster.clock
        if state.idle_speed > 0 and clock.actors == 0:
            clock.advance(state.idle_speed * step)


def serve(scenario: str | Path | dict, host: str = '127.0.0.1', port: int = 0) -> tuple[ThreadingHTTPServer, MockState]:
    """Create (not start) a server; call serve_forever() on it, or use start_in_thread()."""
    state = MockState(scenario)
    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    server.mock_state = state  # type: ignore[attr-defined]
    stop = threading.Event()
    server.ticker_stop = stop  # type: ignore[attr-defined]
    threading.Thread(target=_idle_ticker, args=(server, state, stop), daemon=True).start()
    return server, state


def start_in_thread(scenario: str | Path | dict, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Run a server in a background thread; returns it and its WinRM URL."""
    server, state = serve(scenario, port=port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    time.sleep(0.01)
    return server, f'http://127.0.0.1:{server.server_address[1]}/wsman'
