"""`python -m tests.mocks.hyperv --scenario FILE --port 0 --url-file PATH`: serve a mock Hyper-V cluster."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m tests.mocks.hyperv', description=__doc__)
    parser.add_argument('--scenario', required=True, help='scenario YAML file')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='0 picks a free port')
    parser.add_argument('--url-file', help='write the WinRM URL (http://127.0.0.1:PORT/wsman) here once listening')
    parser.add_argument('--idle-speed', type=float, default=0.0,
                        help='simulated seconds per real second while no script runs (default 0: time stands still)')
    args = parser.parse_args(argv)
    server, state = serve(Path(args.scenario), args.host, args.port)
    state.idle_speed = args.idle_speed
    url = f'http://{args.host}:{server.server_address[1]}/wsman'
    if args.url_file:
        tmp = Path(args.url_file + '.tmp')
        tmp.write_text(url + '\n', encoding='utf-8')
        tmp.replace(args.url_file)
    print(url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
