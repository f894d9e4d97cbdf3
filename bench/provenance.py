# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which code a result measured: the commit and a digest of the module and playbook files as they were on disk."""

from __future__ import annotations

import hashlib
import os
import subprocess

MEASURED = ('plugins', 'playbooks')


def describe(root):
    """``{'commit', 'dirty', 'code_digest'}``: uncommitted edits show in ``dirty`` and in the digest."""
    def git(*args):
        done = subprocess.run(['git', '-C', root] + list(args), capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ''
    digest = hashlib.sha256()
    for top in MEASURED:
        for directory, dirs, files in sorted(os.walk(os.path.join(root, top))):
            dirs[:] = sorted(d for d in dirs if d != '__pycache__')
            for name in sorted(files):
                path = os.path.join(directory, name)
                digest.update(os.path.relpath(path, root).encode())
                with open(path, 'rb') as handle:
                    digest.update(handle.read())
    return {'commit': git('rev-parse', '--short', 'HEAD'), 'dirty': git('status', '--porcelain', '--', *MEASURED).splitlines(),
            'code_digest': digest.hexdigest()[:16]}
