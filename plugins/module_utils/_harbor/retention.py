# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""A proxy project's tag-retention policy, where the credentials can read it, and when a warm is lost to it.

Harbor gives every new proxy project the rule "retain the artifacts pulled in the last 7 days", run daily
(docs/harbor.md 11.7). Nodes that pull from the application registry never pull through Harbor, so the warm is
deleted N days after the last pull through Harbor: this run's, which pulled every image's manifests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.waiting import iso
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry

DAY = 86400.0
UNREADABLE = ('the credentials cannot read its tag-retention policy (it needs "tag-retention read" on the project: a '
              'project admin or maintainer, or a robot account with that access entry), so when Harbor deletes the warm '
              'is unknown; by default Harbor deletes what was not pulled through it for 7 days')


@dataclass(frozen=True)
class Retention:
    """``rules`` in words; ``days``: the shortest "pulled in the last N days" of the enabled retain rules (None when
    no such rule); ``schedule``: the policy's cron; ``note``: why nothing more is known."""

    rules: list[str] = field(default_factory=list)
    days: int | None = None
    schedule: str | None = None
    note: str | None = None

    def block(self, pulled_at: float) -> dict[str, Any]:
        """The summary's entry for one project, for images last pulled through Harbor at ``pulled_at``."""
        return dict(rules=self.rules, days_since_last_pull=self.days, schedule=self.schedule, note=self.note,
                    warm_lost_after=iso(pulled_at + self.days * DAY) if self.days else None)


def read_retention(registry: Registry, base: str, project: str) -> Retention:
    """The retention policy of ``project`` on the Harbor at ``base``, as far as it can be read."""
    try:
        document = registry.api_json('%s/api/v2.0/projects/%s' % (base, quote(project, safe='')), 'project %s' % project)
        policy_id = ((document or {}).get('metadata') or {}).get('retention_id') if isinstance(document, dict) else None
        if not policy_id:
            return Retention(note='no tag-retention policy: Harbor keeps what it cached until someone deletes it')
        policy = registry.api_json('%s/api/v2.0/retentions/%s' % (base, quote(str(policy_id), safe='')), 'retention policy')
    except ImageError:
        return Retention(note=UNREADABLE)
    if not isinstance(policy, dict):
        return Retention(note=UNREADABLE)
    rules = [rule for rule in policy.get('rules') or [] if isinstance(rule, dict) and not rule.get('disabled')]
    days = [_days(rule) for rule in rules if rule.get('action', 'retain') == 'retain']
    return Retention(rules=[_words(rule) for rule in rules], days=min((n for n in days if n), default=None),
                     schedule=((policy.get('trigger') or {}).get('settings') or {}).get('cron'))


def _days(rule: dict[str, Any]) -> int | None:
    if rule.get('template') != 'nDaysSinceLastPull':
        return None
    try:
        return int(str((rule.get('params') or {}).get('nDaysSinceLastPull')))
    except ValueError:
        return None


def _words(rule: dict[str, Any]) -> str:
    """``retain nDaysSinceLastPull=7, tags **``: the rule as Harbor's policy says it."""
    params = rule.get('params') or {}
    template = str(rule.get('template'))
    what = ', '.join('%s=%s' % item for item in sorted(params.items())) if template in params else \
        ' '.join([template] + ['%s=%s' % item for item in sorted(params.items())])
    tags = ' '.join(str(selector.get('pattern')) for selector in rule.get('tag_selectors') or [] if isinstance(selector, dict))
    return '%s %s%s' % (rule.get('action', 'retain'), what, ', tags ' + tags if tags else '')
