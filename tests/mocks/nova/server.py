"""The HTTP server: ThreadingHTTPServer on 127.0.0.1 in a background thread."""

import http.server
import socket
import struct
import threading

from .app import App, DropConnection
from .errors import error_body
from .scenario import load, normalize


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vmfleet-nova-mock/1.0"
    wbufsize = 1 << 16   # one send per response: no Nagle/delayed-ACK stall

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            status, headers, data = self.server.app.handle(
                self.command, self.path, self.headers, raw)
        except DropConnection:
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            return
        except Exception as exc:  # a mock bug: answer like nova's 500
            import json
            import traceback
            traceback.print_exc()
            status, headers = 500, {"Content-Type": "application/json"}
            data = json.dumps(error_body("nova", 500, "Unexpected error in "
                                         "the mock: %r" % exc)).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class MockServer:
    """One mocked cloud listening on 127.0.0.1.

    >>> server = MockServer.from_file("scenario.yaml").start()
    >>> server.url   # http://127.0.0.1:PORT
    """

    def __init__(self, scenario, port=0, verbose=False):
        self.app = App(normalize(scenario))
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.app = self.app
        self._httpd.verbose = verbose
        self.port = self._httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.app.base_url = self.url
        self.app.stop_callback = self._stop_soon
        self._thread = None
        self.stopped = threading.Event()

    @classmethod
    def from_file(cls, path, **kwargs):
        return cls(load(path), **kwargs)

    @property
    def cloud(self):
        return self.app.cloud

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="nova-mock", daemon=True)
        self._thread.start()
        return self

    def _stop_soon(self):
        threading.Thread(target=self.stop, daemon=True).start()

    def stop(self):
        if not self.stopped.is_set():
            self._httpd.shutdown()
            self._httpd.server_close()
            self.stopped.set()

    def wait(self):
        """Block until stopped (POST /_mock/stop, or stop())."""
        self.stopped.wait()
