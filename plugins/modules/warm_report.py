#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done by the action plugin of the same name, on the controller; this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r'''
module: warm_report
short_description: Summarise a planned warm-up, write its report, fail when an image failed
version_added: 1.0.0
author:
  - prewarm.harbor contributors (@prewarm-harbor)
description:
  - Collects every image's result from the registered loop results of its lane (the hosts the
    P(prewarm.harbor.prewarm#role) role made), and counts them per status, per cache when there are several, and in
    total, with the counting and failure message of P(prewarm.harbor.harbor_proxy_cache_populate#module).
  - An image whose lane holds no result for it (the module crashed, or the lane never ran) counts as failed, with
    the reason, so that nothing passes unnoticed.
  - Shows the summary, writes the JSON report when the plan names one (in check mode too, since it is the dry run's
    output), and fails when an image failed, unless O(fail_on_error=false).
options:
  plan:
    description: The plan, as P(prewarm.harbor.warm_plan#filter) made it.
    type: dict
    required: true
  registered:
    description: The variable each lane's warm task registered.
    type: str
    default: prewarm_result
  fail_on_error:
    description: Fail when an image failed.
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Runs, and writes the report, in check mode too.
  diff_mode:
    support: none
  platform:
    platforms: all
    details: Runs on the controller.
notes:
  - The report is a JSON file with C(summary), C(images) and C(sources), written whole or not at all; its directory
    is made when missing.
'''

EXAMPLES = r'''
- name: Summarise the warm-up
  prewarm.harbor.warm_report:
    plan: "{{ _prewarm_plan }}"
    fail_on_error: "{{ prewarm_fail_on_error }}"
'''

RETURN = r'''
msg:
  description: The summary's lines, or the failure message when the task fails.
  returned: always
  type: raw
lines:
  description: The summary's lines, when the task fails.
  returned: failed
  type: list
  elements: str
report:
  description: The path of the JSON report (with the counts per status, per cache and in total), or empty.
  returned: always
  type: str
'''
