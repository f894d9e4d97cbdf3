# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""What a set of image results adds up to: counts per status, Harbor's commits, the failure message.

Results here are serialised (ImageResult.as_dict): the module's ``summary`` and the companion playbook's
(the ``prewarm.harbor.warm_report`` action, from registered results) are both made here.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.prewarm.harbor.plugins.module_utils._result import CACHED, FAILED, STATUSES, WARMED, WOULD_WARM


def counts(results: list[dict[str, Any]]) -> dict[str, Any]:
    """``images`` and one count per status, plus Harbor's counts when an image went through a Harbor."""
    summary = {status: 0 for status in STATUSES}
    for result in results:
        summary[result['status']] += 1
    summary['images'] = len(results)
    summary.update(harbor_counts(results))
    summary.update(app_registry_counts(results))
    summary.update(signature_counts(results))
    return summary


def signature_counts(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The signatures found (_warm.signatures), per status, and those that will not verify offline through Harbor
    (``verifies_offline`` false)."""
    found = [signature for entry in results for signature in entry.get('signatures') or []]
    if not any('signatures' in entry for entry in results):
        return {}
    counted = {status: sum(1 for signature in found if signature.get('status') == status) for status in (WARMED, CACHED, WOULD_WARM, FAILED)}
    counted['not_verifiable_offline'] = sum(1 for signature in found if signature.get('verifies_offline') is False)
    return dict(signatures=counted)


# Per platform, then summed: what crossed the runner (pulled) and what the run made the cache store (stored).
BLOB_COUNTS = ('bytes_pulled', 'blobs_pulled', 'bytes_stored', 'blobs_stored')


def blob_counts(results: list[dict[str, Any]]) -> dict[str, int]:
    """The BLOB_COUNTS of every platform of ``results`` (each image once: a blob shared by images counts for the first)."""
    platforms = [platform for entry in results for platform in entry.get('platforms') or []]
    return {key: sum(platform.get(key) or 0 for platform in platforms) for key in BLOB_COUNTS}


def app_registry_counts(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Images there by tag where the Pods pull them, and those not (each block says why); and per application
    registry, how many are there, how many of those this run delivered, and how many are missing."""
    blocks = [entry['application_registry'] for entry in results if entry.get('application_registry')]
    if not blocks:
        return {}
    registries: dict[str, dict[str, int]] = {}
    for block in blocks:
        counted = registries.setdefault(block['reference'].split('/', 1)[0], dict(present=0, delivered=0, missing=0))
        counted['present' if block['present'] else 'missing'] += 1
        counted['delivered'] += 1 if (block.get('delivery') or {}).get('delivered') else 0
    return dict(application_registry_present=sum(1 for block in blocks if block['present']),
                application_registry_missing=sum(1 for block in blocks if not block['present']),
                application_registries=registries)


def harbor_counts(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Images Harbor committed, those it has not yet, and when the last of those is due."""
    blocks = [entry['harbor'] for entry in results if entry.get('harbor') and entry['status'] in (WARMED, CACHED)]
    if not blocks:
        return {}
    due = [block['expected_at'] for block in blocks if block.get('expected_at')]
    return dict(harbor_committed=sum(1 for block in blocks if block['committed']),
                harbor_pending=sum(1 for block in blocks if not block['committed']),
                harbor_expected_at=max(due) if due else None)


def failure_message(failed: list[dict[str, Any]], total: int, shown: int = 3) -> str:
    """One line: how many failed and the first reasons, each naming its image."""
    reasons = '; '.join(naming_image(entry) for entry in failed[:shown])
    more = ' (and %d more, see images)' % (len(failed) - shown) if len(failed) > shown else ''
    return '%d of %d images failed: %s%s' % (len(failed), total, reasons, more)


def naming_image(entry: dict[str, Any]) -> str:
    """The entry's message, naming its image (most of the module's messages do already)."""
    msg = str(entry.get('msg') or 'no message')
    return msg if entry['image'] in msg else '%s: %s' % (entry['image'], msg)
