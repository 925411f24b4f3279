"""Read-only stand-ins for the image (glance) and network (neutron) APIs, for tools/realnova/stack.py.

Nova only reads from them when servers boot with ``networks='none'`` and are moved or deleted:

* image: ``GET /v2/images/<id>`` (one active image), ``GET /v2/images``, ``GET /v2/schemas/image``
  (python-glanceclient builds its model from that schema) and a version document at ``/``.
* network: every ``GET /v2.0/<collection>`` answers an empty list (ports, networks, extensions ...),
  ``GET /v2.0/<collection>/<id>`` answers 404, writes answer 404.

Plain standard library; run as ``python3 stubs.py --image-port P --network-port Q --image-id UUID``.
"""

import argparse
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STAMP = "2024-01-01T00:00:00Z"


def image_record(image_id):
    return {
        "id": image_id,
        "name": "realnova-fake-image",
        "status": "active",
        "visibility": "public",
        "protected": False,
        "os_hidden": False,
        "disk_format": "raw",
        "container_format": "bare",
        "size": 1048576,
        "virtual_size": 1048576,
        "min_disk": 0,
        "min_ram": 0,
        "checksum": "0" * 32,
        "os_hash_algo": "sha512",
        "os_hash_value": "0" * 128,
        "owner": None,
        "tags": [],
        "created_at": STAMP,
        "updated_at": STAMP,
        "self": "/v2/images/%s" % image_id,
        "file": "/v2/images/%s/file" % image_id,
        "schema": "/v2/schemas/image",
        "locations": [],
        "direct_url": None,
    }


IMAGE_SCHEMA = {
    "name": "image",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": ["null", "string"]},
        "status": {"type": "string"},
        "visibility": {"type": "string"},
        "protected": {"type": "boolean"},
        "os_hidden": {"type": "boolean"},
        "disk_format": {"type": ["null", "string"]},
        "container_format": {"type": ["null", "string"]},
        "size": {"type": ["null", "integer"]},
        "virtual_size": {"type": ["null", "integer"]},
        "min_disk": {"type": "integer"},
        "min_ram": {"type": "integer"},
        "checksum": {"type": ["null", "string"]},
        "owner": {"type": ["null", "string"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "self": {"type": "string"},
        "file": {"type": "string"},
        "schema": {"type": "string"},
        "locations": {"type": "array"},
        "direct_url": {"type": ["null", "string"]},
    },
    "additionalProperties": {"type": ["null", "string", "integer", "boolean", "array", "object"]},
    "links": [],
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    kind = "image"
    image_id = ""
    port = 0

    def log_message(self, fmt, *args):  # one short line per request on stderr (the stub's log)
        sys.stderr.write("%s %s\n" % (self.kind, fmt % args))

    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.close_connection = True

    def _drain(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def _base(self):
        return "http://127.0.0.1:%d" % self.port

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0].rstrip("/")
        if self.kind == "image":
            self._image_get(path)
        else:
            self._network_get(path)

    do_HEAD = do_GET

    def _image_get(self, path):
        base = self._base()
        if path in ("", "/versions"):
            self._send(200 if path else 300, {"versions": [{
                "id": "v2.9", "status": "CURRENT",
                "links": [{"rel": "self", "href": base + "/v2/"}]}]})
        elif path == "/v2/schemas/image":
            self._send(200, IMAGE_SCHEMA)
        elif path == "/v2/schemas/images":
            self._send(200, {"name": "images", "properties": {"images": {"type": "array", "items": IMAGE_SCHEMA}},
                             "links": []})
        elif path == "/v2/images":
            rec = image_record(self.image_id)
            self._send(200, {"images": [rec], "schema": "/v2/schemas/images", "first": "/v2/images"})
        elif path == "/v2/images/" + self.image_id:
            rec = image_record(self.image_id)
            self._send(200, rec)
        else:
            self._send(404, {"message": "not found: %s" % path})

    def _network_get(self, path):
        base = self._base()
        if path == "":
            self._send(200, {"versions": [{
                "id": "v2.0", "status": "CURRENT",
                "links": [{"rel": "self", "href": base + "/v2.0/"}]}]})
            return
        parts = [p for p in path.split("/") if p]
        if parts and parts[0] == "v2.0":
            parts = parts[1:]
        if not parts:
            self._send(200, {"resources": []})
        elif len(parts) == 1:
            name = parts[0]
            if name.endswith(".json"):
                name = name[:-5]
            self._send(200, {name: []})
        else:
            self._send(404, {"NeutronError": {"type": "NotFound", "message": "not found: %s" % path,
                                              "detail": ""}})

    def _refuse(self):
        self._drain()
        self._send(404, {"message": "read-only stub: %s %s" % (self.command, self.path)})

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse


def serve(kind, port, image_id):
    handler = type("%sHandler" % kind.title(), (_Handler,), {"kind": kind, "image_id": image_id, "port": port})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image-port", type=int, required=True)
    parser.add_argument("--network-port", type=int, required=True)
    parser.add_argument("--image-id", required=True)
    args = parser.parse_args(argv)
    servers = [serve("image", args.image_port, args.image_id), serve("network", args.network_port, args.image_id)]
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    sys.stderr.write("stubs: image on %d, network on %d\n" % (args.image_port, args.network_port))
    sys.stderr.flush()
    done.wait()
    for server in servers:
        server.shutdown()


if __name__ == "__main__":
    main()
