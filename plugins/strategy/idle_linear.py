# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: idle_linear
short_description: The linear strategy, with a controller that sleeps while long tasks run
version_added: 1.0.0
author: prewarm.harbor contributors (@prewarm-harbor)
description:
  - Runs exactly like C(ansible.builtin.linear), except in how the controller waits for a task's results. Linear
    checks every C(internal_poll_interval) (1 ms), which costs the controller about 5% of a core while a long
    task runs, for instance the companion playbook's warm play, where every lane loops over its images.
  - Here the wait starts at that interval and doubles, up to 50 ms, while nothing arrives, and starts over when a
    result does. Loop items are shown as they complete either way (they are printed by the results thread, not
    by this wait); a task's end is noticed at most 50 ms late.
'''

import time

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.plugins.strategy.linear import StrategyModule as LinearStrategyModule

LONGEST_WAIT = 0.05  # seconds


class StrategyModule(LinearStrategyModule):

    def _wait_on_pending_results(self, iterator):
        results = []
        wait = C.DEFAULT_INTERNAL_POLL_INTERVAL
        while self._pending_results > 0 and not self._tqm._terminated:
            if self._tqm.has_dead_workers():
                raise AnsibleError('A worker was found in a dead state')
            found = self._process_pending_results(iterator)
            results.extend(found)
            if self._pending_results > 0:
                wait = C.DEFAULT_INTERNAL_POLL_INTERVAL if found else min(2 * wait, LONGEST_WAIT)
                time.sleep(wait)
        return results
