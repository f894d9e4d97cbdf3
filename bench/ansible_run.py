# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the module and the playbook as users do (``ansible``, ``ansible-playbook`` from the venv), timed from outside.

The wall time includes Ansible's own start-up: it is what a pipeline waits for. The module's ``summary.seconds``
is reported next to it, so the fixed cost is visible.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

from ansible_collections.prewarm.harbor.bench import controller
from ansible_collections.prewarm.harbor.bench.rss import PeakRss

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
COLLECTIONS = os.path.join(ROOT, 'build', 'collections')
MODULE = 'prewarm.harbor.harbor_proxy_cache_populate'
PLAYBOOK = os.path.join(ROOT, 'playbooks', 'prewarm.yml')


class AnsibleFailed(RuntimeError):
    """ansible or ansible-playbook exited non-zero."""


def tool(name):
    """An Ansible command next to the running Python (the project's venv)."""
    return os.path.join(os.path.dirname(sys.executable), name)


def environment(**extra):
    """Ansible pointed at the checkout's collection, quiet, with the venv's Python for modules."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_NOCOLOR='1',
               ANSIBLE_DEPRECATION_WARNINGS='false', ANSIBLE_RETRY_FILES_ENABLED='false')
    env.update(extra)
    return env


def _timed(argv, env, cwd, sample_rss):
    started = time.monotonic()
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd) as proc:
        sampler = PeakRss(proc.pid).start() if sample_rss else None
        out, err = proc.communicate()
    seconds = time.monotonic() - started
    peaks = sampler.stop() if sampler else {}
    peaks.pop(proc.pid, None)  # ansible itself: only the processes it started can have run the module
    return seconds, proc.returncode, out, err, peaks


def module(args, workdir, sample_rss=False, env=None):
    """``ansible localhost -m <module> -a <json>``; returns seconds, the module's result and, if asked, peak RSS.
    ``env``: more environment (the secrets the module reads from it, kept off the command line).

    ``--tree`` (the built-in tree callback) writes the result as JSON to ``<workdir>/tree/localhost``.
    """
    tree = os.path.join(workdir, 'tree')
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(workdir, exist_ok=True)
    argv = [tool('ansible'), 'localhost', '-i', 'localhost,', '-c', 'local', '-m', MODULE, '-a', json.dumps(args), '--tree', tree]
    seconds, code, out, err, peaks = _timed(argv, environment(**(env or {})), workdir, sample_rss)
    try:
        with open(os.path.join(tree, 'localhost'), encoding='utf-8') as handle:
            result = json.load(handle)
    except (OSError, ValueError):
        raise AnsibleFailed(f'ansible exited {code}:\n{out[-2000:]}\n{err[-2000:]}') from None
    if code != 0:
        raise AnsibleFailed(f'ansible exited {code}: {result.get("msg")}')
    return {'seconds': seconds, 'result': result, 'module_peak_kib': _module_peak(peaks), 'processes_seen': len(peaks)}


def _module_peak(peaks):
    """Peak KiB of the process the module ran in: its AnsiballZ process or, where the action plugin ran it
    in-process, ansible's forked worker (same command line as ansible); None when nothing was sampled."""
    module = [kib for line, kib in peaks.values() if 'AnsiballZ_' in line]
    workers = [kib for line, kib in peaks.values() if '/ansible ' in line]
    found = module or workers
    return max(found) if found else None


def playbook(variables, workdir, path=PLAYBOOK, env=None, sample_rss=False):  # pylint: disable=too-many-arguments
    """``ansible-playbook playbooks/prewarm.yml -e @vars.json`` (or another playbook); returns seconds, its report,
    and the CPU of ansible-playbook's own process during the warm play (``controller``). ``env``: more environment
    (secrets the controller reads from it); ``sample_rss``: also the peak RSS of ansible-playbook's own process
    (``peak_kib['controller']``) and of its largest worker (``peak_kib['worker']``)."""
    os.makedirs(workdir, exist_ok=True)
    report = os.path.join(workdir, 'report.json')
    if os.path.exists(report):
        os.remove(report)
    variables = dict(variables, prewarm_report=report)
    varfile = os.path.join(workdir, 'vars.json')
    with open(varfile, 'w', encoding='utf-8') as handle:
        json.dump(variables, handle)
    forks = str(max(5, int(variables.get('prewarm_parallel', 1))))  # the playbook stops when forks would cap the parallelism
    seconds, code, out, err, warm_play, peaks = controller.run([tool('ansible-playbook'), path, '-e', '@' + varfile],
                                                               environment(ANSIBLE_FORKS=forks, **(env or {})), workdir, sample_rss)
    if code != 0:
        raise AnsibleFailed(f'ansible-playbook exited {code}:\n{out[-3000:]}\n{err[-2000:]}')
    with open(report, encoding='utf-8') as handle:
        return {'seconds': seconds, 'report': json.load(handle), 'controller_warm_play': warm_play, 'peak_kib': peaks}
