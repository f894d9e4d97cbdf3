# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand started the way a person starts one, through its CLI (``python -m ...tests.stand up``), for the tests of
the CLI itself: yields the ``stand.json`` it wrote, and stops it with SIGTERM, as Ctrl-C would."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time


@contextlib.contextmanager
def cli_stand(workdir, *options, timeout=30):
    """``up --workdir workdir --harbor-interval 0.2 *options``; yields the stand's description. Raises AssertionError
    when the CLI does not write it in ``timeout`` seconds or does not exit 0 on SIGTERM."""
    argv = [sys.executable, '-m', 'ansible_collections.prewarm.harbor.tests.stand', 'up', '--workdir', str(workdir),
            '--harbor-interval', '0.2', *options]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(os.environ)) as proc:
        try:
            deadline = time.monotonic() + timeout
            while not (workdir / 'stand.json').exists():
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read().decode()
                time.sleep(0.1)
            yield json.loads((workdir / 'stand.json').read_text())
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    assert proc.returncode == 0
