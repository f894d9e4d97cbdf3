# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m ansible_collections.prewarm.harbor.tests.stand.harbor --config FILE``: run the emulator until SIGTERM."""

import argparse
import logging
import signal
import sys
import threading

from .app import Emulator
from .config import Settings


def main(argv=None):
    """Serve until SIGTERM or SIGINT; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--config', required=True, help='JSON settings written by the stand (config.Settings)')
    args = parser.parse_args(argv)
    with open(args.config, encoding='utf-8') as handle:
        settings = Settings.from_json(handle.read())
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(threadName)s %(levelname)s %(message)s', stream=sys.stdout)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    Emulator(settings).start()
    logging.getLogger('harbor').info('emulating Harbor %s on 127.0.0.1:%d (https %d), interval %.3g s',
                                     settings.harbor_version, settings.http_port, settings.https_port, settings.timing.interval)
    stop.wait()
    return 0


if __name__ == '__main__':
    sys.exit(main())
