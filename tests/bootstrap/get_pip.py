# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip.py script that ansible-test downloads.

ansible-test bootstraps pip into each sanity/units virtual environment with a script it fetches
from the internet unless ``~/.ansible/test/cache/get_pip_<version>.py`` exists. This machine has
package registries only, so ``make`` installs this file there: it seeds pip with ``ensurepip`` and
then installs the requested versions through the machine's normal pip configuration.
"""

from __future__ import annotations

import os
import subprocess
import sys

# get-pip.py options that ``pip install`` does not know.
GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def main() -> None:
    """Install pip with ensurepip, then upgrade to what ansible-test asked for."""
    env = dict(os.environ)
    # ensurepip (and ansible-test) point PIP_CONFIG_FILE at /dev/null, which would hide the
    # machine's index and find-links settings: the only way to reach packages offline.
    if env.get('PIP_CONFIG_FILE') == os.devnull:
        del env['PIP_CONFIG_FILE']
    subprocess.run([sys.executable, '-m', 'ensurepip', '--upgrade'], check=True, env=env)
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--upgrade'] + args, check=True, env=env)


if __name__ == '__main__':
    main()
