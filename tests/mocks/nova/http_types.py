"""The request/response values passed between the HTTP server and the APIs."""

import dataclasses


@dataclasses.dataclass
class Request:
    method: str
    path: str            # path below the service prefix, no query string
    query: dict          # name -> list of values
    headers: object      # case-insensitive mapping (email.message.Message)
    body: object         # parsed JSON, or None
    base: str            # http://127.0.0.1:PORT

    def arg(self, name, default=None):
        """Last value of a query parameter."""
        values = self.query.get(name)
        return values[-1] if values else default


@dataclasses.dataclass
class Response:
    status: int
    body: object = None          # JSON-able, or None for an empty body
    headers: dict = dataclasses.field(default_factory=dict)
