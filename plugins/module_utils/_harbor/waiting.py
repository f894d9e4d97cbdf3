# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Waiting for Harbor's commit of the images a run warmed (``wait_for_commit``), and the result's ``harbor`` block."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.commit import Commit, Pull, inspect, wait
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.options import HarborOptions
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry, Tally
from ansible_collections.prewarm.harbor.plugins.module_utils._result import WARMED, ImageResult


@dataclass
class Pending:
    """An image warmed on Harbor and not committed yet: its result, what its pull needs, and when Harbor is due
    (None: committed already); and its ``signatures`` not committed yet (_warm.signatures.Found: each a ``pull``, a
    ``due`` and the result ``entry`` whose ``committed`` it settles)."""

    result: ImageResult
    pull: Pull
    due: float | None
    signatures: list[Any] = field(default_factory=list)


def commit_block(state: Commit, pull: Pull, due: float | None) -> dict:
    """The result's ``harbor`` block; ``due`` is shown only while Harbor may still commit."""
    due = None if state.committed or state.note else due
    block = state.block(pull)
    block.update(expected_at=iso(due) if due else None, expected_in=round(max(0.0, due - time.time()), 1) if due else None)
    return block


def wait_all(registry: Registry, pending: list[Pending], options: HarborOptions) -> None:
    """Wait, all images at once, until Harbor has committed each warmed one or ``options.wait`` seconds pass."""
    deadline = time.time() + options.wait
    pending = [entry for entry in pending if entry.result.status == WARMED]
    if not pending:
        return
    with ThreadPoolExecutor(max_workers=min(16, len(pending)), thread_name_prefix='commit') as waiters:
        list(waiters.map(lambda entry: _wait_one(registry, entry, deadline, options), pending))


def _wait_one(registry: Registry, entry: Pending, deadline: float, options: HarborOptions) -> None:
    started = time.time()
    tally = Tally()
    result = entry.result
    try:
        # An image Harbor's timers never commit (due None) is not waited for: it is only here for its signatures.
        state = wait(registry, entry.pull, deadline, entry.due, options.interval, tally) if entry.due is not None \
            else inspect(registry, entry.pull, tally)
    except ImageError as exc:
        result.fail('%s: waiting for Harbor to commit it: %s' % (result.image, exc), changed=result.changed)
        return
    finally:
        result.retries = (result.retries or 0) + tally.retries  # an int: the image was warmed (Warmer._settle)
    unsigned = _wait_signatures(registry, entry, deadline, options)
    result.harbor = commit_block(state, entry.pull, entry.due)
    result.harbor['waited'] = round(time.time() - started, 3)
    if not state.committed and entry.due is not None:  # the image was warmed (changed), but does not pull offline yet
        result.fail('%s: Harbor has not committed %s %.0f s after the warm%s: %s' % (
            result.image, state.missing(entry.pull), options.wait,
            ' (its timers had it due at %s)' % iso(entry.due) if entry.due and not state.note else '',
            state.note or 'check Harbor core\'s log for failed store jobs, or wait longer (wait_for_commit)'),
            changed=result.changed)
    elif unsigned:  # the image pulls offline, but a verifier at admission would refuse it
        result.fail('%s: Harbor has not committed its signature(s) %s %.0f s after the warm: a verifier at admission '
                    'refuses the image with upstream down; check Harbor core\'s log for failed store jobs, or wait '
                    'longer (wait_for_commit)' % (result.image, ', '.join(unsigned), options.wait), changed=result.changed)


def _wait_signatures(registry: Registry, entry: Pending, deadline: float, options: HarborOptions) -> list[str]:
    """Wait for each signature of ``entry`` Harbor has not committed; the references of those it still has not. A
    signature that cannot be asked is that signature's failure (its entry says why), not the image's."""
    missing = []
    for found in entry.signatures:
        tally = Tally()
        try:
            state = wait(registry, found.pull, deadline, found.due, options.interval, tally)
        except ImageError as exc:
            found.entry.fail('not confirmed: %s' % exc)
            continue
        finally:
            entry.result.retries = (entry.result.retries or 0) + tally.retries
        found.entry.committed = state.committed
        if not state.committed:
            missing.append(found.reference)
    return missing


def iso(epoch: float | None) -> str | None:
    """UTC, to the millisecond (a test Harbor's timers are short)."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')[:23] + 'Z' if epoch else None
