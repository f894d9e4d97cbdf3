# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""The companion playbook's report: every image's result from its lane, counted per cache and in total, and the
lines the summary prints. Counting and the failure message are the module's own (module_utils._summary)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ansible.module_utils.common.text.formatters import bytes_to_human

from ansible_collections.prewarm.harbor.plugins.module_utils._result import FAILED, STATUSES, UNMATCHED, WOULD_WARM
from ansible_collections.prewarm.harbor.plugins.module_utils._summary import blob_counts, counts, failure_message, naming_image

LABELS = dict(warmed='warmed', cached='cached', would_warm='would warm', unmatched='unmatched', failed='failed')


def build_report(plan: dict[str, Any], registered: list[dict[str, Any]], seconds: float, check_mode: bool) -> dict[str, Any]:
    """``registered``: each lane's registered result, in the plan's lane order (a missing one is {})."""
    entries = list(plan['settled'])
    for lane, result in zip(plan['lanes'], registered):
        entries.extend(_lane_entries(lane, result or {}))
    entries.sort(key=lambda entry: (entry['image'], entry.get('cache', '')))
    summary = _count(entries)
    summary.update(seconds=round(seconds, 1), parallel=plan['parallel'], check_mode=check_mode)
    summary.update(_per_harbor(registered))
    if len(plan['caches']) > 1:
        summary['caches'] = {name: _count([entry for entry in entries if entry.get('cache') == name])
                             for name in plan['caches']}
    failed = [entry for entry in entries if entry['status'] == FAILED]
    return dict(summary=summary, images=entries, msg=failure_message(failed, len(entries), shown=len(failed)) if failed else '',
                failures=[naming_image(entry) + _via(entry, plan['caches']) for entry in failed])


def _lane_entries(lane: dict[str, Any], result: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per image of the lane: the module's, or a failure saying why there is none."""
    items = result.get('results') or []
    entries = []
    for index, image in enumerate(lane['images']):
        item = items[index] if index < len(items) else {}
        found = (item.get('images') or [None])[0]
        if found is None:
            found = dict(image=image, status=FAILED, changed=False, msg=_no_result(lane, item or result))
        entries.append(dict(found, cache=lane['cache']))
    return entries


def _per_harbor(registered: list[dict[str, Any]]) -> dict[str, Any]:
    """Each Harbor's release and each Harbor project's retention, as the lanes' calls reported them (the latest)."""
    merged: dict[str, dict[str, Any]] = {}
    for result in registered:
        for item in (result or {}).get('results') or []:
            for key in ('harbor_versions', 'harbor_retention'):
                merged.setdefault(key, {}).update((item.get('summary') or {}).get(key) or {})
    return {key: value for key, value in merged.items() if value}


def _no_result(lane: dict[str, Any], result: dict[str, Any]) -> str:
    msg = result.get('msg') or 'the warm did not run on %s' % lane['name']
    stderr = (result.get('module_stderr') or '').strip()
    return '%s: %s' % (msg, stderr) if stderr else msg


def _count(entries: list[dict[str, Any]]) -> dict[str, Any]:
    summary = dict(dict(harbor_committed=0, harbor_pending=0, harbor_expected_at=None), **counts(entries))
    summary.update(blob_counts(entries))
    return summary


def lines(report: dict[str, Any], sources: list[str]) -> list[str]:
    """What the summary task prints."""
    summary, entries = report['summary'], report['images']
    caches = list(summary.get('caches') or ())
    if not entries:
        return ['no images found in %s' % ', '.join(sources)]
    shown = []
    if summary['check_mode']:
        shown.append('DRY RUN (--check): nothing was pulled; this is what a run would do.')
    images = len({entry['image'] for entry in entries})
    counted = '%d image%s' % (images, '' if images == 1 else 's')
    if caches:
        counted += ' x %d caches' % len(caches)
    shown.append('%s: %s; %s s in all, up to %d at once' % (counted, _tally(summary), summary['seconds'], summary['parallel']))
    for name, counted in (summary.get('caches') or {}).items():
        shown.append('  %s: %s%s' % (name, _tally(counted), _pulled(counted, summary['check_mode'], ', ')))
    if not summary['check_mode']:
        shown.append(_pulled(summary, False, ''))
    shown.extend(_harbor(summary))
    shown.extend(_signatures(summary))
    shown.extend(_app_registries(summary, entries, caches))
    would = [entry for entry in entries if entry['status'] == WOULD_WARM]
    if would:
        shown.append('would warm:')
        for entry in would:
            shown.append('  %s%s' % (entry['image'], _via(entry, caches)))
            shown.append('    rule %s: %s [%s]' % (entry['rule'], entry['manifest_url'],
                                                   ', '.join(platform['platform'] for platform in entry.get('platforms') or [])))
    timed = sorted((entry for entry in entries if entry.get('seconds') is not None and entry['status'] not in (WOULD_WARM, UNMATCHED)),
                   key=lambda entry: entry['seconds'], reverse=True)
    if timed and not summary['check_mode']:
        shown.append('slowest:')
        shown.extend('  %7.1f s  %s%s (%s)' % (entry['seconds'], entry['image'], _via(entry, caches), entry['status']) for entry in timed[:5])
    unmatched = [entry for entry in entries if entry['status'] == UNMATCHED]
    if unmatched:
        shown.append('unmatched (no rule applies, not warmed):')
        shown.extend('  %s' % entry['image'] for entry in unmatched)
    if report['failures']:
        shown.append('failed:')
        shown.extend('  %s' % line for line in report['failures'])
    return shown


def _tally(summary: dict[str, Any]) -> str:
    return ', '.join('%d %s' % (summary[status], LABELS[status]) for status in STATUSES)


def _pulled(summary: dict[str, Any], check_mode: bool, lead: str) -> str:
    """What the caches stored, and what of it crossed the runner: all of it on a plain proxy, next to nothing on Harbor."""
    if check_mode:
        return ''
    pulled = '%spulled %s in %d blobs' % (lead, bytes_to_human(summary['bytes_pulled']), summary['blobs_pulled'])
    if summary.get('bytes_stored', 0) <= summary['bytes_pulled']:
        return pulled
    return '%sthe caches stored %s in %d blobs, of which %s crossed this runner' % (
        lead, bytes_to_human(summary['bytes_stored']), summary['blobs_stored'], bytes_to_human(summary['bytes_pulled']))


def _harbor(summary: dict[str, Any]) -> list[str]:
    if not summary.get('harbor_committed') and not summary.get('harbor_pending'):
        return []
    line = 'Harbor: %d committed (they pull by tag with upstream down)' % summary['harbor_committed']
    if summary['harbor_pending']:
        due = summary.get('harbor_expected_at')
        line += ', %d not yet%s' % (summary['harbor_pending'], ": due by %s (Harbor's own store timers)" % due if due
                                    else " (see each image's harbor.note)")
    return [line] + [_retention_line(project, block) for project, block in sorted((summary.get('harbor_retention') or {}).items())]


def _signatures(summary: dict[str, Any]) -> list[str]:
    counted = summary.get('signatures')
    if not counted:
        return []
    line = 'signatures: %d warmed, %d already cached' % (counted['warmed'], counted['cached'])
    line += ''.join(', %d %s' % (counted[key], label) for key, label in (('would_warm', 'would warm'), ('failed', 'failed (see the warnings)'))
                    if counted[key])
    if counted['not_verifiable_offline']:
        line += ('; %d will not verify offline through Harbor, made on an upstream index digest or on a release '
                 'before v2.10 (see each image\'s signatures[].note)' % counted['not_verifiable_offline'])
    return [line]


def _retention_line(project: str, block: dict[str, Any]) -> str:
    if block.get('warm_lost_after'):
        return '  %s: retention deletes this warm after %s unless something pulls it through Harbor (%s)' % (
            project, block['warm_lost_after'], '; '.join(block['rules']))
    return '  %s: %s' % (project, block.get('note') or 'retention keeps this warm (%s)' % '; '.join(block['rules']))


def _app_registries(summary: dict[str, Any], entries: list[dict[str, Any]], caches: Collection[str]) -> list[str]:
    """One line per application registry, then each image missing there with its cause."""
    shown = ['application registry %s: %d there by tag (%d delivered by this run), %d missing' % (
        host, counted['present'], counted['delivered'], counted['missing'])
        for host, counted in sorted((summary.get('application_registries') or {}).items())]
    for entry in entries:
        block = entry.get('application_registry')
        if block and not block['present']:
            cause = (block.get('delivery') or {}).get('cause') or block.get('msg') or block['status']
            shown.append('  missing %s%s (%s): %s' % (block['reference'], _via(entry, caches), block['status'], cause))
    return shown


def _via(entry: dict[str, Any], caches: Collection[str]) -> str:
    """Which cache, when there are several."""
    return ' via %s' % entry['cache'] if len(caches) > 1 else ''
