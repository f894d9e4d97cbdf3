# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's replication controller (11.2, 11.3 step 1, Appendix B 3-7): the policies, the event handler, and the
start of an execution. What an execution then does is ``flows.py``; the REST API is ``replication_api.py``.

* Events (``controller/event/handler/replication``): PUSH_ARTIFACT and DELETE_ARTIFACT become a resource of one
  artifact ``{digest, tags of the event}``; the policies considered are the enabled ``event_based`` ones (the local
  Harbor is every policy's source), with ``replicate_deletion`` for a deletion, whose filters pass the resource
  (11.2 step 2). Each starts an execution with the resource as it came (trigger ``event_based``).
* Start (``replication/execution.go:Start``): a disabled policy is refused (412); with ``single_active_replication``
  and one execution of the policy running, the new execution is recorded as failed with Harbor's skip text; else
  the flow runs in a background job.
"""

import copy
import dataclasses
import itertools
import threading
import time

from . import events as artifact_events
from . import filters, policies
from .executions import SKIPPED, TRIGGERS, Records
from .flows import Flow


class Replication:
    """One per emulator."""

    def __init__(self, settings, database, cache, jobs):
        self.settings = settings
        self.jobs = jobs
        self.records = Records()
        self.flow = Flow(settings, database, cache, jobs, self.records)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._policies = {}
        for body in settings.policies:
            self.create_policy(body, 'admin')

    # -- policies ------------------------------------------------------------------------------------------------

    @staticmethod
    def _essence(policy):
        document = dataclasses.asdict(policy)
        for key in ('policy_id', 'creation_time', 'update_time', 'creator'):
            del document[key]
        return document

    def restore_policies(self):
        """Back to the policies Harbor started with (new ids), unless they are unchanged."""
        initial = [self._essence(policies.parse(body, 0, self.settings.registry, 0.0)) for body in self.settings.policies]
        with self._lock:
            if [self._essence(self._policies[key]) for key in sorted(self._policies)] == initial:
                return
            self._policies.clear()
        for body in self.settings.policies:
            self.create_policy(body, 'admin')

    def create_policy(self, body, creator):
        """A new policy from a POST body: its id (raises PolicyError)."""
        with self._lock:
            policy = policies.parse(body, 0, self.settings.registry, time.time(), creator)
            if any(item.name == policy.name for item in self._policies.values()):
                raise policies.PolicyError(409, 'CONFLICT', f'replication policy {policy.name} already exists')
            policy.policy_id = next(self._ids)
            self._policies[policy.policy_id] = policy
            return policy.policy_id

    def update_policy(self, policy_id, body):
        """Replace a policy by a PUT body (raises PolicyError)."""
        with self._lock:
            old = self._policy(policy_id)
            policy = policies.parse(body, policy_id, self.settings.registry, time.time(), old.creator, old.creation_time)
            if any(item.name == policy.name and item.policy_id != policy_id for item in self._policies.values()):
                raise policies.PolicyError(409, 'CONFLICT', f'replication policy {policy.name} already exists')
            self._policies[policy_id] = policy

    def delete_policy(self, policy_id):
        """Delete a policy and its executions; 412 while one of them is not final."""
        with self._lock:
            self._policy(policy_id)
            if not self.records.drop_policy(policy_id):
                raise policies.PolicyError(412, 'PRECONDITION', "contains executions that aren't in final status, stop the execution first")
            del self._policies[policy_id]

    def _policy(self, policy_id):
        policy = self._policies.get(policy_id)
        if policy is None:
            raise policies.PolicyError(404, 'NOT_FOUND', f'replication policy {policy_id} not found')
        return policy

    def policy(self, policy_id):
        """A copy of the policy (raises PolicyError 404)."""
        with self._lock:
            return copy.deepcopy(self._policy(policy_id))

    def policies(self):
        """Copies of every policy, by id."""
        with self._lock:
            return [copy.deepcopy(self._policies[key]) for key in sorted(self._policies)]

    def policy_json(self, policy):
        """The API's JSON of a policy."""
        return policies.to_json(policy, self.settings.registry)

    # -- starting ------------------------------------------------------------------------------------------------

    def start(self, policy, resources, trigger):
        """Start an execution of ``policy`` (a copy); ``resources`` None lists them. Returns the execution id."""
        if not policy.enabled:
            raise policies.PolicyError(412, 'PRECONDITION', f'the policy {policy.policy_id} is disabled')
        running = self.records.running(policy.policy_id) if policy.single_active_replication else 0
        execution = self.records.create(policy.policy_id, TRIGGERS[trigger])
        if running:
            self.records.mark(execution, 'Error', SKIPPED)
            return execution.execution_id
        self.jobs.spawn(f'replication execution {execution.execution_id}', self.flow.run, execution, policy, resources)
        return execution.execution_id

    def handle_event(self, event):
        """An artifact event (11.2): start every related policy."""
        resource = filters.Resource(event.repository, [{'digest': event.digest, 'tags': list(event.tags), 'labels': []}],
                                    deleted=event.kind == artifact_events.DELETE)
        for policy in self.policies():
            if not policy.enabled or policy.trigger_type != 'event_based':
                continue
            if resource.deleted and not policy.replicate_deletion:
                continue
            if filters.filter_resource(policy.filters, resource) is None:
                continue
            try:
                self.start(policy, [copy.deepcopy(resource)], 'event_based')
            except policies.PolicyError:
                continue

    def state(self):
        """For the control API: the policies and the executions with their tasks."""
        executions = self.records.executions()
        for item in executions:
            item['tasks'] = self.records.tasks_json(item['id']) or []
        return {'policies': [self.policy_json(policy) for policy in self.policies()], 'executions': executions}
