# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: warm_summary
short_description: Summarise a warm planned by prewarm.harbor.warm_plan, as the prewarm role does
version_added: 1.0.0
author: prewarm.harbor contributors (@prewarm-harbor)
description:
  - Collects every image's result from its lane's registered loop results, counts them per status (per cache too,
    when there are several), and makes the summary lines and the failure message, with the module's own counting.
  - An image whose lane has no result for it (the module crashed, or the lane's host failed) counts as failed,
    with the reason, so nothing passes unnoticed.
options:
  _input:
    description: The plan (the output of P(prewarm.harbor.warm_plan#filter)).
    type: dict
    required: true
  registered:
    description: Each lane's registered result, in the plan's lane order.
    type: list
    elements: dict
    required: true
  started:
    description: When the run started (seconds since the epoch).
    type: float
    required: true
  check_mode:
    description: Whether this was a dry run.
    type: bool
    default: false
  sources:
    description: Where the images came from (files, render commands), for the "no images found" line.
    type: list
    elements: str
    default: []
'''

EXAMPLES = r'''
- name: Summarise
  ansible.builtin.set_fact:
    outcome: "{{ plan | prewarm.harbor.warm_summary(registered, started, ansible_check_mode) }}"
'''

RETURN = r'''
_value:
  description: The outcome.
  type: dict
  contains:
    summary:
      description: Counts per status, bytes and blobs pulled, Harbor's commits, seconds, and C(caches) (the same per cache).
      type: dict
    images:
      description: Every image's result, each with the C(cache) it went through, sorted by image.
      type: list
      elements: dict
    failures:
      description: One line per failed image, naming it.
      type: list
      elements: str
    msg:
      description: The failure message (empty when nothing failed).
      type: str
    lines:
      description: The summary as printed.
      type: list
      elements: str
'''

import time

from ansible_collections.prewarm.harbor.plugins.plugin_utils._report import lines, outcome


def warm_summary(plan, registered, started, check_mode=False, sources=()):
    report = outcome(plan, list(registered), time.time() - float(started), bool(check_mode))
    report['lines'] = lines(report, list(sources))
    return report


class FilterModule:
    def filters(self):
        return {'warm_summary': warm_summary}
