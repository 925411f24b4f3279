"""proxy_host and proxy_port (as vmware.vmware users set them in module_defaults): every request to vCenter goes
through the proxy's CONNECT tunnel."""

import socket
import threading

from module_runner import run_module


class ConnectProxy:
    """An HTTP proxy that only tunnels (CONNECT), noting each target it was asked for."""

    def __init__(self):
        self.targets = []
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client = self.server.accept()[0]
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client):
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = client.recv(4096)
            if not chunk:
                client.close()
                return
            request += chunk
        method, target = request.split(b" ", 2)[:2]
        if method != b"CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
            client.close()
            return
        host, port = target.decode().rsplit(":", 1)
        self.targets.append((host, int(port)))
        upstream = socket.create_connection((host, int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()

    def close(self):
        self.server.close()


def _pipe(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def test_cluster_info_reaches_vcenter_through_the_proxy(vmotion_blockers):
    proxy = ConnectProxy()
    try:
        info = run_module("vsphere_cluster_info", dict(vmotion_blockers.args, proxy_host="127.0.0.1", proxy_port=proxy.port))
    finally:
        proxy.close()
    assert not info.get("failed"), info.get("msg")
    assert len(info["hosts"]) == 4
    assert proxy.targets and set(proxy.targets) == {(vmotion_blockers.args["hostname"], vmotion_blockers.args["port"])}


def test_a_proxy_that_does_not_answer_is_named_in_the_error(vmotion_blockers):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    info = run_module("vsphere_cluster_info", dict(vmotion_blockers.args, proxy_host="127.0.0.1", proxy_port=port,
                                                   retry_seconds=0))
    assert info["failed"]
    assert "vSphere API" in info["msg"], info["msg"]
