"""A Keystone v3 + Nova v2.1 + Placement (+ a little Neutron) mock cloud.

The real openstacksdk talks to it over HTTP on 127.0.0.1. Start it in-process
with `MockServer(scenario_dict).start()`, or as a process with
`python -m tests.mocks.nova --scenario FILE --port 0 --url-file PATH`.
Drive it from tests with `tests.mocks.nova.control.MockControl`.
"""

from .server import MockServer

__all__ = ["MockServer"]
