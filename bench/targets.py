# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The issue's targets, judged on wall times (what a pipeline waits for, Ansible's start-up included)."""

from __future__ import annotations

MB = 1 << 20


def cpu_per_gb(block):
    """(a)'s client CPU beyond Ansible's start-up, per GiB Harbor stored (the harbor scenario's block)."""
    run = block['runs']['a']
    return max(0.0, run['client_cpu_seconds'] - block['startup_cpu_seconds']) / (block['warmed_bytes'] / (1 << 30))


def _ratio(runs, top, bottom):
    if top in runs and bottom in runs and runs[bottom]['seconds'] > 0:
        return runs[top]['seconds'] / runs[bottom]['seconds']
    return None


def _cpu_ratio(top, bottom):
    if top and bottom and bottom.get('client_cpu_seconds'):
        return top['client_cpu_seconds'] / bottom['client_cpu_seconds']
    return None


def judge(results):
    """``[(target, measured text, met or None when not measured)]``."""
    found = []

    def add(name, value, text, test):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            value = None  # a scenario not run: ``block and figure`` gave its empty block
        found.append((name, text % value if value is not None else 'not measured', None if value is None else bool(test(value))))

    runs = results.get('cold', {}).get('runs', {})
    add('a/d <= 1.2 (module vs curl lower bound)', _ratio(runs, 'a', 'd'), '%.3f', lambda v: v <= 1.2)
    add('b/d <= 1.5 (playbook vs curl lower bound)', _ratio(runs, 'b', 'd'), '%.3f', lambda v: v <= 1.5)
    add('c/a >= 2 (module at least 2x faster than skopeo)', _ratio(runs, 'c', 'a'), '%.3f', lambda v: v >= 2)
    add('b/a <= 1.2 (playbook vs the module\'s single call, wall)', _ratio(runs, 'b', 'a'), '%.3f', lambda v: v <= 1.2)
    add('playbook controller CPU <= 1.5x the module\'s', _cpu_ratio(runs.get('b'), runs.get('a')), '%.3f', lambda v: v <= 1.5)
    warm_play = (runs.get('b') or {}).get('controller_warm_play')
    add('no busy wait: ansible-playbook\'s own process <= 10% of a core in the warm play',
        warm_play and warm_play['share'] is not None and 100 * warm_play['share'], '%.1f%%', lambda v: v <= 10)
    fixed = results.get('overhead') or {}
    playbook, module = fixed.get('playbook'), fixed.get('module')
    count = fixed.get('images')
    add('fixed cost per image over the module <= 0.03 s', playbook and module and (playbook['seconds'] - module['seconds']) / count,
        '%.3f s', lambda v: v <= 0.03)
    add('fixed cost per image over the module <= 0.05 CPU-s',
        playbook and module and (playbook['client_cpu_seconds'] - module['client_cpu_seconds']) / count, '%.3f CPU-s', lambda v: v <= 0.05)
    cold_harbor = results.get('harbor') or {}
    on_harbor = cold_harbor.get('runs', {})
    add('Harbor cold: a/d <= 0.8 (the curl full-read bound)', _ratio(on_harbor, 'a', 'd'), '%.3f', lambda v: v <= 0.8)
    add('Harbor cold: a/t <= 1.2 (the curl trigger floor)', _ratio(on_harbor, 'a', 't'), '%.3f', lambda v: v <= 1.2)
    add('Harbor cold, ours: a/tb <= 1.2 (the trigger floor at the module\'s bound)', _ratio(on_harbor, 'a', 'tb'), '%.3f',
        lambda v: v <= 1.2)
    add('Harbor cold: client CPU <= 0.3 CPU-s per GB (start-up apart)', on_harbor and cpu_per_gb(cold_harbor),
        '%.3f CPU-s/GB', lambda v: v <= 0.3)
    add('Harbor cold: Harbor sent towards the runner <= 3% of the bytes warmed',
        on_harbor and 100.0 * on_harbor['a']['harbor_sent'] / cold_harbor['warmed_bytes'], '%.2f%%', lambda v: v <= 3)
    add('Harbor cold: upstream bytes <= 1.5x the blob bytes Harbor stored',
        on_harbor and on_harbor['a']['upstream_blob_bytes'] / cold_harbor['warmed_bytes'], '%.2f x', lambda v: v <= 1.5)
    rerun = results.get('rerun')
    add('re-run fetches 0 blob bytes', rerun and rerun['rerun']['blob_bytes'], '%d bytes', lambda v: v == 0)
    add('re-run takes <= 10% of the cold time', rerun and 100 * rerun['rerun']['seconds'] / rerun['cold']['seconds'], '%.1f%%',
        lambda v: v <= 10)
    block = results.get('shared') or {}
    plain, harbor = block.get('plain', {}), block.get('harbor', {})
    add('shared base, plain proxy: a/d <= 1.35', _ratio(plain, 'a', 'd'), '%.3f', lambda v: v <= 1.35)
    add('shared base, Harbor: a/d <= 0.8 (no commit wait)', _ratio(harbor, 'a', 'd'), '%.3f', lambda v: v <= 0.8)
    add('shared base, Harbor: a/t <= 1.2 (the trigger floor)', _ratio(harbor, 'a', 't'), '%.3f', lambda v: v <= 1.2)
    lag = harbor.get('w', {}).get('wait_lag')
    add('commit wait ends <= 2 s after Harbor\'s last commit', lag, '%.2f s', lambda v: v <= 2)
    again = block.get('rerun')
    add('Harbor re-run <= 1.5x the curl floor of its requests', again and again['again']['seconds'] / again['floor']['seconds'],
        '%.3f', lambda v: v <= 1.5)
    memory = results.get('memory')
    large = memory and memory['large']['ansible_peak_kib']
    small = memory and memory['small']['ansible_peak_kib']
    add('peak RSS, large layer - small layer <= 20 MB', memory and (large - small) / 1024, '%.1f MB', lambda v: v <= 20)
    add('peak RSS, large layer < 100 MB', memory and large / 1024, '%.1f MB', lambda v: v < 100)
    deliver = results.get('delivery') or {}
    add('delivery: the run ends <= 2 s after the last tag appears in the application registry', deliver.get('lag_after_last_tag'),
        '%.2f s', lambda v: v <= 2)
    scale = results.get('release') or {}
    add('release scale: fixed cost per image over the module <= 0.02 s', scale.get('fixed_seconds_per_image'), '%.4f s',
        lambda v: v <= 0.02)
    add('release scale: fixed cost per image over the module <= 0.04 CPU-s', scale.get('fixed_cpu_per_image'), '%.4f CPU-s',
        lambda v: v <= 0.04)
    peaks = scale and scale['playbook'].get('peak_kib') or {}
    add('release scale: controller peak RSS <= 300 MB', peaks.get('controller') and peaks['controller'] / 1024, '%.0f MB',
        lambda v: v <= 300)
    add('release scale: connections per cache <= 2 x P', scale and max(found['connections'] for found in scale['playbook']['connections'].values()),
        '%d' + ' (2 x P = %d)' % (2 * scale.get('parallel', 0)), lambda v: v <= 2 * scale['parallel'])
    add('release scale: connections per cache besides blob triggers <= 2 x P',
        scale and max(found['connections'] - found['triggers'] for found in scale['playbook']['connections'].values()),
        '%d', lambda v: v <= 2 * scale['parallel'])
    growth = results.get('growth')
    if growth and growth['slope_ratio'] is None:
        found.append(('growth linear (marginal s/MB, last step vs first <= 1.25)', 'first step not positive: too noisy to judge', None))
    else:
        add('growth linear (marginal s/MB, last step vs first <= 1.25)', growth and growth['slope_ratio'], '%.2f', lambda v: v <= 1.25)
    return found
