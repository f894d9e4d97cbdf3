# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Overhead: many tiny images, so nothing but the fixed cost per image shows: playbook against one module call.

Also timed: ``ansible localhost -m ping`` (Ansible's own start-up, which every call pays once), the module on one
image no rule matches (its start-up: no request is sent), and curl on the same tiny images (the floor).
"""

from __future__ import annotations

import os
import subprocess
import time

from ansible_collections.prewarm.harbor.bench import ansible_run, cold, fleet, fresh, machine

PLATFORMS = ('linux/amd64',)


def _wall(argv, workdir):
    machine.wait_quiet()
    started = time.monotonic()
    subprocess.run(argv, env=ansible_run.environment(), cwd=workdir, capture_output=True, check=True)
    return time.monotonic() - started


def fixed_costs(stand, workdir):
    """Seconds of ``ansible -m ping`` and of the module with nothing to do."""
    base = [ansible_run.tool('ansible'), 'localhost', '-i', 'localhost,', '-c', 'local']
    idle = '{"image": "nomatch/none:1", "proxy_caches": [{"regex_url": "^bench/(.+)$", "replacement_oci": "%s/v2/$1/manifests/1"}]}' % (
        stand.proxy_url)
    return {'ansible_ping_seconds': _wall(base + ['-m', 'ansible.builtin.ping'], workdir),
            'module_idle_seconds': _wall(base + ['-m', ansible_run.MODULE, '-a', idle], workdir)}


def run(stand, images, options, workdir, with_playbook=True, playbook_path=ansible_run.PLAYBOOK):
    """Module (one call), playbook and curl on the same tiny images, each on a fresh cache."""
    os.makedirs(workdir, exist_ok=True)
    fetches = fleet.needed(images)
    count = len(images)
    out = dict(fixed_costs(stand, workdir), images=count, parallel=options.parallel)
    actions = {'module': cold.module_action(stand, images, PLATFORMS, options.parallel, os.path.join(workdir, 'a')),
               'curl': cold.wire_action(stand, fetches, options.parallel, os.path.join(workdir, 'd'))}
    if with_playbook:
        actions['playbook'] = cold.playbook_action(stand, images, PLATFORMS, options.parallel, os.path.join(workdir, 'b'), playbook_path)
    for key, action in actions.items():
        outcome = fresh.run(stand, fetches, action)
        out[key] = dict(outcome, per_image=outcome['seconds'] / count)
    return out
