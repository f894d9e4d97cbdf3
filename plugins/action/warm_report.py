# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Summarise a planned warm on the controller: read each lane's results, count, show, write the report, judge."""

from __future__ import annotations

import json
import os
import tempfile
import time
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.prewarm.harbor.plugins.plugin_utils._report import build_report, lines


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        plan = self._task.args.get('plan')
        if not isinstance(plan, dict) or 'lanes' not in plan:
            raise AnsibleActionFail('plan must be what prewarm.harbor.warm_plan returned')
        registered = self._task.args.get('registered', 'prewarm_result')
        hostvars = (task_vars or {})['hostvars']
        results = [hostvars[lane['name']].get(registered) or {} if lane['name'] in hostvars else {} for lane in plan['lanes']]
        report = build_report(plan, results, time.time() - plan['started'], bool(self._task.check_mode))
        shown = lines(report, plan['sources'])
        if plan.get('report'):
            _write_json(plan['report'], dict(summary=report['summary'], images=report['images'], sources=plan['sources']))
        # Shown as debug shows its msg; the counts themselves are in the report.
        result.update(changed=False, msg=shown, report=plan.get('report') or '', _ansible_verbose_always=True)
        if report['msg'] and boolean(self._task.args.get('fail_on_error', True)):
            result.update(failed=True, msg=report['msg'], lines=shown)
        return result


def _write_json(path: str, data: dict[str, Any]) -> None:
    """Whole or not at all: a half-written report would read as a short one."""
    directory = os.path.dirname(path) or '.'
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.prewarm-report-')
    with os.fdopen(handle, 'w', encoding='utf-8') as out:
        json.dump(data, out, indent=4, sort_keys=True)
        out.write('\n')
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)
