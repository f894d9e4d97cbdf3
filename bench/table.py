# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The printed table: one block per scenario, then every target with MET or MISSED."""

from __future__ import annotations

from ansible_collections.prewarm.harbor.bench import targets

MB = 1 << 20
LABELS = {'a': '(a) module, one call', 'b': '(b) playbook', 'c': '(c) skopeo', 'c2': '(c2) skopeo', 'd': '(d) curl lower bound'}
RATIOS = (('a/d', 'a', 'd'), ('b/d', 'b', 'd'), ('c/a', 'c', 'a'), ('c2/a', 'c2', 'a'))


def _mb(value):
    return '%.1f' % (value / MB) if value is not None else '-'


def _s(value):
    return '%.2f' % value if value is not None else '-'


def _cpu(run):
    return '%.1f s' % run['client_cpu_seconds'] if run.get('client_cpu_seconds') is not None else '-'


def _row(widths, values):
    """Columns right-aligned to ``widths`` (negative: left-aligned), two spaces of indent."""
    return '  ' + ' '.join(('%-*s' % (-width, value)) if width < 0 else ('%*s' % (width, value)) for width, value in zip(widths, values))


def cold(block):
    fleet, runs = block['fleet'], block['runs']
    widths = (-44, 8, 9, 9, 9, 8, 5, 7, 6, -1)
    lines = ['Cold warm through the plain proxy: %d images, %d image manifests, %s MB unique blobs; a complete warm reads '
             '%d (repository, manifest or blob) = %s MB; P = %d; best of %d' % (
                 fleet['images'], fleet['platforms'], _mb(fleet['unique_blob_bytes']), fleet['needed_requests'],
                 _mb(fleet['needed_bytes']), block['parallel'], block['repeat']),
             _row(widths, ('run', 'seconds', 'in-module', 'proxy MB', 'client MB', 'complete', 'CPU', 'client', 'x d', 'all runs (s)'))]
    base = runs.get('d', {}).get('seconds')
    for key in ('a', 'b', 'c', 'c2', 'd'):
        run = runs.get(key)
        if run is None:
            lines.append(_row(widths[:2], (LABELS[key], 'not run')))
            continue
        lines.append(_row(widths, (
            LABELS[key] + (' (%s)' % run['mode'] if 'mode' in run else ''), _s(run['seconds']), _s(run.get('module_seconds')),
            _mb(run['proxy']['bytes']), _mb(run.get('client_bytes')), '%d/%d' % (run['complete_runs'], len(run['all_seconds'])),
            '%d%%' % (100 * run['cpu_busy']) if run.get('cpu_busy') is not None else '-', _cpu(run),
            '%.2f' % (run['seconds'] / base) if base else '-', ' '.join('%.2f' % s for s in run['all_seconds']))))
    missed = ', '.join('%s: %d pairs' % (key, run['missing_pairs']) for key, run in sorted(runs.items()) if run['missing_pairs'])
    lines += ['  complete: runs after which every needed manifest and blob was linked in the proxy\'s storage (best runs missed %s); '
              'CPU: share of both cores busy during the best run' % (missed or 'nothing'),
              '  client: CPU seconds of the processes the run started (ansible and its workers, skopeo, curl), not the registries\'',
              '  client MB: module/playbook bytes_pulled (blobs only); skopeo: size of the OCI layouts; curl: size_download',
              '  ratios: ' + ', '.join('%s %.2f' % (name, runs[top]['seconds'] / runs[bottom]['seconds'])
                                       for name, top, bottom in RATIOS if top in runs and bottom in runs)
              + (', a/d in-module %.2f' % (runs['a']['module_seconds'] / base) if base and 'a' in runs else '')]
    lines.extend(_controller(runs.get('b')))
    retried = sum(run.get('retried', 0) for run in runs.values())
    if retried:
        lines.append('  skopeo: %d copies failed (concurrent writers race on a layout\'s index.json) and were retried' % retried)
    return lines


def rerun(block):
    cold_, again, floor = block['cold'], block['rerun'], block['floor']
    widths = (-8, 8, 9, 9, 10, 8, 10, -1)
    title = 'Warm re-run on the emulated Harbor (proxy_hub), %d images, P = %d; the cold run waits for Harbor\'s commit'
    lines = [title % (block['fleet']['images'], block['parallel']),
             _row(widths, ('run', 'seconds', 'in-module', 'requests', 'blob GETs', 'blob MB', 'blob HEADs', 'statuses'))]
    for name, run in (('cold', cold_), ('re-run', again)):
        lines.append(_row(widths, (name, _s(run['seconds']), _s(run['module_seconds']), run['requests'], run['blob_gets'],
                                   _mb(run['blob_bytes']), run['blob_heads'], run['statuses'])))
    lines.append('  re-run floor (curl: each manifest GET and blob HEAD once, P at a time): %.2f s, %d requests' % (
        floor['seconds'], floor['requests']))
    lines.append('  re-run / cold: %.1f%% wall, %.1f%% in-module; re-run / floor: %.2f wall, %.2f in-module; re-runs: %s s' % (
        100 * again['seconds'] / cold_['seconds'], 100 * again['module_seconds'] / max(cold_['module_seconds'], 1e-9),
        again['seconds'] / floor['seconds'], again['module_seconds'] / floor['seconds'], ' '.join('%.2f' % s for s in again['all_seconds'])))
    return lines


def memory(block):
    widths = (-8, 10, 13, 9, 13, 9)
    lines = ['Memory: one single-layer image through the plain proxy, cold cache each',
             _row(widths, ('layer', 'layer MB', 'ansible peak', 'seconds', 'direct peak', 'seconds'))]
    for name in ('small', 'large'):
        run = block[name]
        lines.append(_row(widths, (name, _mb(run['layer_bytes']), '%.1f MB' % (run['ansible_peak_kib'] / 1024), _s(run['ansible_seconds']),
                                   '%.1f MB' % (run['direct_peak_kib'] / 1024), _s(run['direct_seconds']))))
    lines.append('  method: ' + block['method'])
    return lines


def growth(block):
    widths = (6, 10, 10, 8, 9, 9, 12, 12, 6)
    lines = ['Growth: module cold warm of the first N images of one fleet (same per-image shape), plain proxy',
             _row(widths, ('images', 'unique MB', 'needed MB', 'seconds', 'in-module', 'curl (d)', 's/unique MB', 's/needed MB', 'a/d'))]
    for point in block['points']:
        lines.append(_row(widths, (point['images'], _mb(point['unique_blob_bytes']), _mb(point['needed_bytes']), _s(point['seconds']),
                                   _s(point['module_seconds']), _s(point['wire_seconds']), '%.4f' % point['s_per_unique_mb'],
                                   '%.4f' % point['s_per_needed_mb'], '%.2f' % (point['seconds'] / point['wire_seconds']))))
    lines.append('  marginal seconds per unique MB between sizes: %s' % ', '.join('%.4f' % s for s in block['marginal_s_per_unique_mb']))
    return lines


def overhead(block):
    count = block['images']
    widths = (-22, 8, 9, 12, 9, 7)
    lines = ['Overhead: %d tiny single-platform images, P = %d; fixed costs: ansible -m ping %.2f s, '
             'the module with nothing to do %.2f s' % (count, block['parallel'], block['ansible_ping_seconds'], block['module_idle_seconds']),
             _row(widths, ('run', 'seconds', 'in-module', 's per image', 'complete', 'client'))]
    for name, key in (('module, one call', 'module'), ('playbook', 'playbook'), ('curl (floor)', 'curl')):
        if key in block:
            run = block[key]
            lines.append(_row(widths, (name, _s(run['seconds']), _s(run.get('module_seconds')), '%.4f' % run['per_image'],
                                       'yes' if run['complete'] else 'NO (%d)' % run['missing_pairs'], _cpu(run))))
    if 'playbook' in block:
        playbook, module = block['playbook'], block['module']
        lines.append('  fixed cost per image of the playbook over the module: %.3f s' % ((playbook['seconds'] - module['seconds']) / count)
                     + (', %.3f CPU-s' % ((playbook['client_cpu_seconds'] - module['client_cpu_seconds']) / count)
                        if 'client_cpu_seconds' in playbook and 'client_cpu_seconds' in module else ''))
        lines.extend(_controller(playbook))
    return lines


def release(block):
    count, widths = block['images'], (-28, 8, 9, 11, 9, 8, -1)
    lanes = ', '.join('%s %d' % item for item in block['lanes'].items())
    title = 'Release scale: %d tiny single-platform images over %d caches, P = %d (lanes: %s)' % (
        count, block['caches'], block['parallel'], lanes)
    lines = [title,
             _row(widths, ('run', 'seconds', 'in-module', 's per image', 'complete', 'client', 'connections per cache (triggers)'))]
    for name, key in (('module, a call per cache', 'module'), ('playbook', 'playbook')):
        run = block[key]
        seen = ', '.join('%s %d (%d)' % (cache, found['connections'], found['triggers']) for cache, found in run['connections'].items())
        lines.append(_row(widths, (name, _s(run['seconds']), _s(run.get('module_seconds')), '%.4f' % (run['seconds'] / count),
                                   'yes' if run['complete'] else 'NO (%d)' % run['missing_pairs'], _cpu(run), seen)))
    lines.append('  fixed cost per image of the playbook over the module: %.4f s, %.4f CPU-s' % (
        block['fixed_seconds_per_image'], block['fixed_cpu_per_image']))
    peaks = block['playbook'].get('peak_kib') or {}
    if peaks.get('controller'):
        lines.append('  peak RSS: ansible-playbook\'s own process %.0f MB, its largest worker %.0f MB' % (
            peaks['controller'] / 1024, (peaks.get('worker') or 0) / 1024))
    lines.extend(_controller(block['playbook']))
    return lines


def _controller(run):
    """ansible-playbook's own process during the warm play: a busy wait would show as about 100% of a core."""
    window = (run or {}).get('controller_warm_play')
    if not window:
        return []
    return ['  controller: ansible-playbook\'s own process used %.2f CPU-s in the %.1f s warm play (%.1f%% of a core; its '
            'workers not counted)' % (window['cpu_seconds'], window['seconds'], 100 * window['share'])]


def header(meta):
    code = meta['code']
    return ['prewarm.harbor benchmark, %s profile, P = %d, %d CPUs, %s' % (meta['profile'], meta['parallel'], meta['cpus'], meta['started']),
            'command: %s' % meta['command'],
            'code: commit %s%s, plugins+playbooks digest %s; load average %.1f at start, %.1f at end; total %.0f s' % (
                code['commit'], ' + %d uncommitted files' % len(code['dirty']) if code['dirty'] else '', code['code_digest'],
                meta['load_average_start'], meta.get('load_average_end', 0), meta.get('total_seconds', 0))]


def shared(block):
    fleet, plain, harbor, again = block['fleet'], block['plain'], block['harbor'], block['rerun']
    widths = (-50, 8, 9, 9, 8, 6, -1)
    lines = ['Shared base: %d images, %d image manifests, %s MB unique blobs, every one on one base layer; a complete warm '
             'reads %d (repository, manifest or blob) = %s MB; P = %d; best of %d; Harbor\'s store interval %g s (its own: 20 s)' % (
                 fleet['images'], fleet['platforms'], _mb(fleet['unique_blob_bytes']), fleet['needed_requests'],
                 _mb(fleet['needed_bytes']), block['parallel'], block['repeat'], block['harbor_interval']),
             _row(widths, ('run', 'seconds', 'in-module', 'client MB', 'complete', 'x d', 'all runs (s)'))]
    for cache, runs, labels in (('plain proxy', plain, (('a', '(a) module'), ('d', '(d) curl, serial per digest'))),
                                ('Harbor', harbor, (('a', '(a) module, no commit wait'), ('r', '(r) module reading every blob'),
                                                    ('w', '(w) module, waiting for the commit'), ('t', '(t) curl, triggers + HEADs'),
                                                    ('tb', '(tb) the same, P stores at a time'),
                                                    ('d', '(d) curl, no chain')))):
        base = runs['d']['seconds']
        for key, label in labels:
            run = runs.get(key)
            if run is None:
                continue
            lines.append(_row(widths, ('%s: %s' % (cache, label), _s(run['seconds']), _s(run.get('module_seconds')),
                                       _mb(run.get('client_bytes')), '%d/%d' % (run['complete_runs'], len(run['all_seconds'])),
                                       '%.2f' % (run['seconds'] / base),
                                       ' '.join('%.2f' % s for s in run['all_seconds']))))
    lines.append('  complete: every needed blob and manifest (by digest) linked in the cache\'s storage after the run')
    lines.append('  Harbor (a): the base layer was read through up to %s repositories at once (Harbor\'s access log)' % (
        harbor['a'].get('base_reads_at_once')))
    lag = harbor['w'].get('wait_lag')
    lines.append('  (w) ended %s after Harbor tied the last tag (the artifacts API\'s tag push_time)' % (
        '%.2f s' % lag if lag is not None else 'before every tag was tied (not measured)'))
    lines.append('  Harbor re-run (committed): %.2f s against %.2f s for curl reading each manifest once; statuses %s; re-runs %s s' % (
        again['again']['seconds'], again['floor']['seconds'], again['again']['statuses'],
        ' '.join('%.2f' % s for s in again['again']['all_seconds'])))
    return lines


def harbor(block):
    """The cold fleet through the emulated Harbor: wall, client, and the bytes each side carried."""
    fleet, runs, warmed = block['fleet'], block['runs'], block['warmed_bytes']
    widths = (-40, 8, 9, 9, 10, 12, 8, 8, 6, 6, -1)
    title = ('Cold warm through the emulated Harbor: %d images, %d image manifests; Harbor stores %s MB of blobs (every '
             '(repository, blob) once); P = %d; best of %d')
    lines = [title % (fleet['images'], fleet['platforms'], _mb(warmed), block['parallel'], block['repeat']),
             _row(widths, ('run', 'seconds', 'in-module', 'client MB', 'Harbor sent', 'upstream MB', 'complete', 'client',
                           'x d', 'x t', 'all runs (s)'))]
    labels = (('a', '(a) module, blobs triggered'), ('r', '(r) module, reading every blob'),
              ('t', '(t) curl, triggers + HEADs'), ('tb', '(tb) the same, P stores at a time'), ('d', '(d) curl, reading everything'))
    for key, label in labels:
        run = runs[key]
        lines.append(_row(widths, (
            label, _s(run['seconds']), _s(run.get('module_seconds')), _mb(run.get('client_bytes')),
            '%.2f%%' % (100.0 * run['harbor_sent'] / warmed), '%.2f x' % (run['upstream_blob_bytes'] / warmed),
            '%d/%d' % (run['complete_runs'], len(run['all_seconds'])), _cpu(run), '%.2f' % (run['seconds'] / runs['d']['seconds']),
            '%.2f' % (run['seconds'] / runs['t']['seconds']), ' '.join('%.2f' % s for s in run['all_seconds']))))
    lines += ['  Harbor sent: blob body bytes its access log shows towards the client, as a share of what it stored; upstream: '
              'upstream\'s blob bytes over what Harbor stored (a full read costs 2x: Harbor\'s GET #1 streams to the client, '
              'its GET #2 stores)',
              '  client: CPU seconds of the processes the run started; Ansible\'s start-up (the module on an image no rule '
              'takes): %.2f CPU-s; (a) beyond it: %.2f CPU-s per GB stored' % (
                  block['startup_cpu_seconds'], targets.cpu_per_gb(block))]
    return lines


def delivery(block):
    run, copy = block['run'], block['copy']
    lines = ['Delivery to the application registry through the emulated Harbor\'s replication (store interval %g s), %d images, '
             'P = %d, scope narrow' % (block['harbor_interval'], block['fleet']['images'], block['parallel'])]
    lines.append('  the run: %.2f s, %s; there by tag: %s delivered, %s missing' % (
        run['seconds'], run['statuses'], run['delivered'], run['missing']))
    lines += ['  missing: %s' % cause for cause in run['causes'][:3]]
    lines.append('  from its start: Harbor tied the last tag at %s s; the last tag appeared in the application registry at %s s' % (
        _s(block['commit_seconds']), _s(block['last_tag_seconds'])))
    lines.append('  floor: Harbor\'s last commit + one copy (skopeo --multi-arch all, P at a time: %.2f s%s) = %s s; measured / floor: %s' % (
        copy['seconds'], ', %d failed' % copy['failed'] if copy['failed'] else '', _s(block['floor_seconds']),
        '%.2f' % block['ratio'] if block['ratio'] is not None else '-'))
    lines.append('  the run ended %s s after the last tag appeared' % _s(block['lag_after_last_tag']))
    return lines


def render(results):
    """The whole report as text."""
    lines = header(results['meta']) + ['']
    for key, render_block in (('cold', cold), ('harbor', harbor), ('rerun', rerun), ('shared', shared), ('memory', memory),
                              ('growth', growth), ('overhead', overhead), ('delivery', delivery), ('release', release)):
        if key in results:
            lines += render_block(results[key]) + ['']
        elif key in results.get('errors', {}):
            lines += ['%s: FAILED: %s' % (key, results['errors'][key]), '']
    lines.append('Targets (wall times: Ansible\'s start-up included)')
    for name, text, met in targets.judge(results):
        lines.append('  %-8s %-58s %s' % ({True: 'MET', False: 'MISSED', None: '-'}[met], name, text))
    return '\n'.join(lines)
