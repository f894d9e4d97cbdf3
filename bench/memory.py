# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Memory: peak RSS of the module process warming one large layer against one small layer, on a cold cache each.

Two independent methods:

* ``ansible``: ``ansible localhost -m ...`` as users run it; the process the module runs in (ansible's forked
  worker, where the action plugin runs it in-process; an AnsiballZ process otherwise) is found under ansible's
  process tree and its VmHWM (the kernel's peak RSS) is polled every 10 ms. The worker's figure includes what
  it shares with ansible, which it was forked from.
* ``direct``: the module file run by the venv's Python with an args file (the way Ansible developers debug
  a module); ``os.wait4`` returns that child's own ``ru_maxrss``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from ansible_collections.prewarm.harbor.bench import ansible_run

MODULE_FILE = os.path.join(ansible_run.ROOT, 'plugins', 'modules', 'harbor_proxy_cache_populate.py')
METHOD = ('peak RSS = VmHWM of the process the module ran in under `ansible localhost -m` (the worker, in-process), '
          'polled every 10 ms (ansible); cross-check: ru_maxrss from os.wait4 of the module file run directly by python (direct)')


def direct(args, workdir):
    """Run the module file with an args file; returns (seconds, ru_maxrss KiB, result)."""
    path = os.path.join(workdir, 'direct-args.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    env = dict(os.environ, PYTHONPATH=ansible_run.COLLECTIONS)
    started = time.monotonic()
    with subprocess.Popen([sys.executable, MODULE_FILE, path], stdout=subprocess.PIPE, env=env, cwd=workdir) as proc:
        out = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    result = json.loads(out)
    if proc.returncode != 0 or result.get('failed'):
        raise ansible_run.AnsibleFailed(f'module exited {proc.returncode}: {result.get("msg")}')
    return seconds, usage.ru_maxrss, result


def measure(stand, args, workdir):
    """Both methods on a cold cache each; KiB and seconds."""
    stand.reset_cache()
    via_ansible = ansible_run.module(args, workdir, sample_rss=True)
    stand.reset_cache()
    seconds, kib, result = direct(args, workdir)
    return {
        'ansible_peak_kib': via_ansible['module_peak_kib'], 'ansible_seconds': via_ansible['seconds'],
        'direct_peak_kib': kib, 'direct_seconds': seconds,
        'bytes_pulled': result['summary']['bytes_pulled'],
    }


def run(stand, small, large, rule, workdir):
    """Warm ``small`` then ``large`` (SeededImages, one layer each)."""
    out = {'method': METHOD}
    for label, image in (('small', small), ('large', large)):
        args = {'image': f'{image.repository}:{image.tag}', 'proxy_caches': [rule], 'max_parallel_jobs': 4}
        out[label] = dict(measure(stand, args, os.path.join(workdir, label)), layer_bytes=image.platforms[0].layers[0].size)
    return out
