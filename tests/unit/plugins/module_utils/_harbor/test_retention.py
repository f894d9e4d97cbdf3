# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A proxy project's retention policy read as far as the credentials allow, and the day it deletes a warm."""

from __future__ import annotations

from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.retention import read_retention
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.auth import AuthError

DEFAULT = {'id': 3, 'algorithm': 'or', 'trigger': {'kind': 'Schedule', 'settings': {'cron': '0 0 0 * * *'}},
           'rules': [{'action': 'retain', 'template': 'nDaysSinceLastPull', 'params': {'nDaysSinceLastPull': 7},
                      'tag_selectors': [{'kind': 'doublestar', 'decoration': 'matches', 'pattern': '**'}]},
                     {'action': 'retain', 'template': 'latestPushedK', 'params': {'latestPushedK': 10}, 'disabled': True}]}


class Api:
    """Harbor's REST API as api_json sees it: documents by path; a path in ``refused`` answers 403."""

    def __init__(self, documents, refused=()):
        self.documents, self.refused = documents, refused

    def api_json(self, url, what, tally=None):
        path = url.split('/api/v2.0', 1)[1]
        if path in self.refused:
            raise AuthError('refused')
        return self.documents.get(path)


def test_the_default_rule_says_the_warm_is_lost_seven_days_after_the_run():
    api = Api({'/projects/proxy_hub': {'metadata': {'retention_id': '3'}}, '/retentions/3': DEFAULT})
    block = read_retention(api, 'https://h', 'proxy_hub').block(pulled_at=0.0)
    assert block == {'rules': ['retain nDaysSinceLastPull=7, tags **'], 'days_since_last_pull': 7,
                     'schedule': '0 0 0 * * *', 'note': None, 'warm_lost_after': '1970-01-08T00:00:00.000Z'}


def test_a_policy_the_credentials_cannot_read_is_said_so_with_harbors_default():
    api = Api({'/projects/proxy_hub': {'metadata': {'retention_id': '3'}}}, refused=('/retentions/3',))
    block = read_retention(api, 'https://h', 'proxy_hub').block(pulled_at=0.0)
    assert block['warm_lost_after'] is None and 'tag-retention read' in block['note'] and '7 days' in block['note']


def test_a_project_without_a_policy_keeps_its_cache():
    block = read_retention(Api({'/projects/p': {'metadata': {}}}), 'https://h', 'p').block(pulled_at=0.0)
    assert (block['warm_lost_after'], block['rules']) == (None, []) and 'no tag-retention policy' in block['note']
