# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replication executions and tasks (11.4): the records of Harbor's task package, the status an execution derives
from its tasks, task logs, and the JSON the API answers.

Statuses are stored with jobservice's names (``Pending``, ``Running``, ``Success``, ``Error``, ``Stopped``) and
converted as ``handler/replication.go`` does: an execution is ``InProgress``, ``Succeed``, ``Failed`` or ``Stopped``; a
task ``Pending``, ``InProgress``, ``Succeed``, ``Failed`` or ``Stopped``. Triggers are stored as ``MANUAL``,
``SCHEDULE``, ``EVENT`` and answered as ``manual``, ``scheduled``, ``event_based``.
"""

import dataclasses
import datetime
import itertools
import threading
import time

from .db import NEVER, timestamp

TRIGGERS = {'manual': 'MANUAL', 'scheduled': 'SCHEDULE', 'event_based': 'EVENT'}
EXECUTION_STATUS = {'Running': 'InProgress', 'Success': 'Succeed', 'Stopped': 'Stopped', 'Error': 'Failed'}
TASK_STATUS = {'Scheduled': 'InProgress', 'Running': 'InProgress', 'Success': 'Succeed', 'Error': 'Failed'}
FINAL = ('Success', 'Error', 'Stopped')
NOTHING = 'no resources need to be replicated'
SKIPPED = 'Execution skipped: active replication still in progress.'


def _time(seconds):
    return timestamp(seconds) if seconds else NEVER


@dataclasses.dataclass
class Task:  # pylint: disable=too-many-instance-attributes
    """One task: one repository's copy (or deletion), with its log."""

    task_id: int
    execution_id: int
    operation: str
    src_resource: str
    dst_resource: str
    references: str
    status: str = 'Pending'
    run_count: int = 0
    start_time: float = 0.0
    end_time: float = 0.0
    log: list = dataclasses.field(default_factory=list)

    def write(self, level, caller, message):
        """A line of the job log, in Harbor's text format: ``<RFC 3339> [LEVEL] [<file>:<line>]: <message>``."""
        moment = datetime.datetime.fromtimestamp(time.time(), datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')
        self.log.append(f'{moment} [{level}] [{caller}]: {message}\n')

    def to_json(self):
        """``models.ReplicationTask``."""
        return {'id': self.task_id, 'execution_id': self.execution_id, 'job_id': f'{self.task_id:024x}',
                'status': TASK_STATUS.get(self.status, self.status), 'operation': self.operation, 'resource_type': 'image',
                'src_resource': self.src_resource, 'dst_resource': self.dst_resource,
                'start_time': _time(self.start_time), 'end_time': _time(self.end_time)}


@dataclasses.dataclass
class Execution:
    """One execution; ``marked`` is a status set directly (MarkDone, MarkError) rather than derived from the tasks."""

    execution_id: int
    policy_id: int
    trigger: str
    start_time: float
    tasks: list = dataclasses.field(default_factory=list)
    marked: str = ''
    status_text: str = ''
    end_time: float = 0.0

    @property
    def status(self):
        """Pending or running tasks: Running; else any failed: Error; else any stopped: Stopped; else Success. With no
        task yet (listing), Running."""
        if self.marked:
            return self.marked
        statuses = {task.status for task in self.tasks}
        if not self.tasks or statuses & {'Pending', 'Scheduled', 'Running'}:
            return 'Running'
        for status in ('Error', 'Stopped'):
            if status in statuses:
                return status
        return 'Success'

    def to_json(self):
        """``models.ReplicationExecution``."""
        def count(*names):
            return sum(1 for task in self.tasks if task.status in names)
        return {'id': self.execution_id, 'policy_id': self.policy_id, 'status': EXECUTION_STATUS[self.status],
                'status_text': self.status_text, 'trigger': {v: k for k, v in TRIGGERS.items()}[self.trigger],
                'total': len(self.tasks), 'succeed': count('Success'), 'failed': count('Error'),
                'in_progress': count('Pending', 'Scheduled', 'Running'), 'stopped': count('Stopped'),
                'start_time': _time(self.start_time), 'end_time': _time(self.end_time)}


class Records:
    """Thread-safe: every read and change of executions and tasks holds the one lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._task_ids = itertools.count(1)
        self._executions = {}

    def clear(self):
        """Forget every execution (ids keep counting)."""
        with self._lock:
            self._executions.clear()

    def create(self, policy_id, trigger):
        """A new execution (status Running)."""
        with self._lock:
            execution = Execution(next(self._ids), policy_id, trigger, time.time())
            self._executions[execution.execution_id] = execution
            return execution

    def add_task(self, execution, operation, src_resource, dst_resource, references):
        """A new Pending task of ``execution``."""
        with self._lock:
            task = Task(next(self._task_ids), execution.execution_id, operation, src_resource, dst_resource, references)
            execution.tasks.append(task)
            return task

    def mark(self, execution, status, text):
        """MarkDone / MarkError: a final status and its text, whatever the tasks say."""
        with self._lock:
            execution.marked, execution.status_text, execution.end_time = status, text, time.time()

    def set_task(self, execution, task, status):
        """A task's new status; the execution ends with its last task."""
        with self._lock:
            now = time.time()
            if status == 'Running' and not task.start_time:
                task.start_time = now
            task.status = status
            if status in FINAL:
                task.end_time = now
                if execution.status in FINAL:
                    execution.end_time = now

    def running(self, policy_id):
        """How many executions of the policy are Running."""
        with self._lock:
            return sum(1 for item in self._executions.values() if item.policy_id == policy_id and item.status == 'Running')

    def execution(self, execution_id):
        """The execution, or None."""
        with self._lock:
            return self._executions.get(execution_id)

    def executions(self, policy_id=None, status=None, trigger=None):
        """``[Execution JSON]``, newest first (Harbor's default sort), filtered by policy, API status and API trigger."""
        with self._lock:
            found = [item.to_json() for item in sorted(self._executions.values(), key=lambda item: -item.execution_id)
                     if policy_id in (None, item.policy_id)]
        return [item for item in found if status in (None, item['status']) and trigger in (None, item['trigger'])]

    def execution_json(self, execution_id):
        """One execution's JSON, or None."""
        with self._lock:
            item = self._executions.get(execution_id)
            return item.to_json() if item else None

    def tasks_json(self, execution_id):
        """``[Task JSON]`` of an execution, newest first (Harbor's default sort), or None when it does not exist."""
        with self._lock:
            item = self._executions.get(execution_id)
            return [task.to_json() for task in reversed(item.tasks)] if item else None

    def task_log(self, execution_id, task_id):
        """The task's log text; None when the execution has no such task."""
        with self._lock:
            item = self._executions.get(execution_id)
            task = next((task for task in item.tasks if task.task_id == task_id), None) if item else None
            return ''.join(task.log) if task else None

    def drop_policy(self, policy_id):
        """``DeleteByVendor``: False (nothing dropped) while one of the policy's executions is not final."""
        with self._lock:
            mine = [item for item in self._executions.values() if item.policy_id == policy_id]
            if any(item.status not in FINAL for item in mine):
                return False
            for item in mine:
                del self._executions[item.execution_id]
            return True
