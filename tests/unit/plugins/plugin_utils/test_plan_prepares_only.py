# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbook's plan only prepares the module's work: it opens no HTTP session and starts no thread, so the module's
code runs once per image in a playbook run (in the lanes), not twice."""

from __future__ import annotations

import threading

import requests

from ansible_collections.prewarm.harbor.plugins.plugin_utils._lanes import plan

RULES = [{'regex_url': '^ecr/(.+):(.+)$', 'replacement_oci': 'https://harbor.example/v2/$1/manifests/$2'}]
SETTINGS = {'parallel': 2, 'forks': 5, 'cwd': '/tmp'}


def test_the_plan_opens_no_session_and_starts_no_thread(monkeypatch):
    opened = []

    def refuse(what):
        def record(*_args, **_kwargs):
            opened.append(what)
            raise AssertionError('the plan %s' % what)
        return record

    monkeypatch.setattr(requests.Session, '__init__', refuse('opened an HTTP session'))
    monkeypatch.setattr(threading.Thread, 'start', refuse('started a thread'))
    release = [{'source': 'render.yaml', 'images': ['ecr/team/a:1', 'quay.io/x:1', 'ecr/Bad:1']}]
    # cache_flavor auto: a warm would ask the cache whether it is Harbor; the plan must not even do that.
    planned = plan(release, [{'name': 'eu', 'proxy_caches': RULES}], SETTINGS)
    assert opened == []
    assert [lane['images'] for lane in planned['lanes']] == [['ecr/team/a:1']]
    assert {entry['image']: entry['status'] for entry in planned['settled']} == {'quay.io/x:1': 'unmatched', 'ecr/Bad:1': 'failed'}
