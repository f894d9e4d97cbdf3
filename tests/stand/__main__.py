# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line: ``python -m ansible_collections.prewarm.harbor.tests.stand up --workdir DIR``.

Starts the stand, writes DIR/stand.json, prints it, and stays up until SIGTERM or SIGINT.
"""

import argparse
import json
import signal
import sys
import threading

from .harbor.config import VERSIONS
from .stand import Stand


def _parser():
    parser = argparse.ArgumentParser(prog='python -m ansible_collections.prewarm.harbor.tests.stand', description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    up = commands.add_parser('up', help='start the stand and keep it up until SIGTERM/SIGINT')
    up.add_argument('--workdir', required=True, help='directory for storage, logs, certificates and stand.json')
    up.add_argument('--large-layer-mb', type=int, default=0, help='also seed library/large:1.0 with a layer of this many MiB (max 1024)')
    up.add_argument('--token-lifetime', type=int, default=1800, help='expires_in of issued tokens, seconds')
    up.add_argument('--harbor-interval', type=float, default=20.0, help='Harbor store interval, seconds (Harbor: 20; EnsureTag ticks at half of it)')
    up.add_argument('--replication', choices=('event', 'manual', 'none'), default='event',
                    help='the policy Harbor starts with, from proxy_hub to the application registry (none: no policy)')
    up.add_argument('--harbor-version', choices=VERSIONS, default='2.14',
                    help='whose rules Harbor follows (docs/harbor.md 11.1, 10.1): 2.14 (HEAD), 2.15.0, 2.13 or 2.9.1')
    up.add_argument('--fleet', type=int, default=0, help='also push this many images bench/app-NNN:1.0 sharing base layers')
    up.add_argument('--fleet-mb', type=int, default=100, help='total size of the fleet, MiB')
    return parser


def main(argv=None):
    """Run the CLI; return the exit code."""
    args = _parser().parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with Stand(args.workdir, large_layer_bytes=args.large_layer_mb << 20, token_lifetime=args.token_lifetime,
               harbor_interval=args.harbor_interval, replication=None if args.replication == 'none' else args.replication,
               harbor_version=args.harbor_version) as stand:
        if args.fleet:
            fleet = stand.push_fleet(args.fleet, args.fleet_mb << 20)
            stand.images.update({f'fleet_{n:03d}': image for n, image in enumerate(fleet)})
            stand.write_description(f'{stand.workdir}/stand.json')
        sys.stdout.write(json.dumps(stand.describe(), indent=2) + '\n')
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
