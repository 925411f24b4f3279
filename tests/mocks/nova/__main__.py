"""Run the mock cloud standalone until POST /_mock/stop or a signal."""

import argparse
import os
import signal
import sys

from .scenario import ScenarioError, load
from .server import MockServer


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tests.mocks.nova",
        description="Keystone + Nova + Placement mock for vmfleet tests.")
    parser.add_argument("--scenario", required=True, help="scenario YAML")
    parser.add_argument("--port", type=int, default=0,
                        help="TCP port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--url-file",
                        help="write the base URL here once listening")
    parser.add_argument("--time-scale", type=float,
                        help="override the scenario's time_scale")
    parser.add_argument("--verbose", action="store_true",
                        help="log every request to stderr")
    args = parser.parse_args(argv)
    try:
        scenario = load(args.scenario)
    except (OSError, ScenarioError) as exc:
        parser.error(str(exc))
    if args.time_scale is not None:
        scenario["time_scale"] = args.time_scale
    server = MockServer(scenario, port=args.port, verbose=args.verbose)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: server._stop_soon())
    server.start()
    if args.url_file:
        tmp = args.url_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(server.url + "\n")
        os.replace(tmp, args.url_file)
    print(server.url, flush=True)
    server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
