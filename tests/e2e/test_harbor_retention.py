# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The proxy project's tag-retention rule, said in the run's summary where the credentials can read it
(docs/harbor.md 11.7): the default deletes what nobody pulled through Harbor for 7 days."""

import calendar
import time

from ansible_collections.prewarm.harbor.tests.e2e.playbook import ecr, warm
from ansible_collections.prewarm.harbor.tests.stand.fixtures import HARBOR_INTERVAL

SCALED = dict(harbor_check_interval=HARBOR_INTERVAL, platforms=['linux/amd64'])


def test_the_summary_says_the_retention_rule_and_the_day_the_warm_is_lost(stand):
    stand.reset_cache()
    image = stand.images['schema2']
    user, password = stand.robot_creds
    project = '%s/%s' % (stand.harbor_url, stand.public_project)
    stand.set_retention_access(True)
    try:
        started = time.time()
        run = warm(stand, [ecr(stand.public_project, image)], username=user, password=password, **SCALED)
    finally:
        stand.set_retention_access(False)
    block = run.result['summary']['harbor_retention'][project]
    assert block['rules'] == ['retain nDaysSinceLastPull=7, tags **'] and block['days_since_last_pull'] == 7, block
    lost = calendar.timegm(time.strptime(block['warm_lost_after'][:19], '%Y-%m-%dT%H:%M:%S'))
    assert started - 1 <= lost - 7 * 86400 <= time.time(), block
    unreadable = warm(stand, [ecr(stand.public_project, image)], username=user, password=password, **SCALED)
    block = unreadable.result['summary']['harbor_retention'][project]
    assert block['warm_lost_after'] is None and 'tag-retention read' in block['note'], block
