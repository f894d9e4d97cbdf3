# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Harbor emulator (``harbor/``) as a child process of the stand, and the client of its control listener."""

import os
import sys

import requests

from . import process
from .harbor.config import Settings

_PACKAGE = __name__.rsplit('.', 1)[0] + '.harbor'


def _collections_root():
    """The directory holding ``ansible_collections`` (this package is five levels below it)."""
    root = os.path.dirname(os.path.abspath(__file__))
    for _level in range(5):
        root = os.path.dirname(root)
    return root


def harbor_process(workdir, settings):
    """Write ``<workdir>/harbor.json`` and return the (not yet started) emulator process."""
    config_path = os.path.join(workdir, 'harbor.json')
    with open(config_path, 'w', encoding='utf-8') as handle:
        handle.write(settings.to_json())
    path = os.pathsep.join(p for p in (_collections_root(), os.environ.get('PYTHONPATH', '')) if p)
    return process.ManagedProcess('harbor', [sys.executable, '-m', _PACKAGE, '--config', config_path],
                                  os.path.join(workdir, 'logs', 'harbor.log'), f'http://127.0.0.1:{settings.http_port}/api/v2.0/ping',
                                  settings.http_port, env={'PYTHONPATH': path})


class Control:
    """``GET /harbor/state`` and ``POST /harbor/<action>`` on the emulator's control port."""

    def __init__(self, port):
        self.url = f'http://127.0.0.1:{port}'

    def state(self):
        """The emulated database (see harbor/db.py) and the emulator's switches."""
        answer = requests.get(self.url + '/harbor/state', timeout=30)
        answer.raise_for_status()
        return answer.json()

    def blob_rows(self):
        """Harbor's global blob rows (digests)."""
        answer = requests.get(self.url + '/harbor/blob_rows', timeout=30)
        answer.raise_for_status()
        return set(answer.json())

    def act(self, action, http_timeout=60, **arguments):
        """Run an action; return its result (raise on a refusal, with the emulator's reason)."""
        answer = requests.post(f'{self.url}/harbor/{action}', json=arguments, timeout=http_timeout)
        if answer.status_code != 200:
            raise process.StandError(f'harbor {action}: {answer.status_code} {answer.text}')
        return answer.json()['result']


__all__ = ['Control', 'Settings', 'harbor_process']
