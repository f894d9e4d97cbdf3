# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Harbor's replication API (docs/harbor.md 11.3, 11.4): its policies, manual executions, their tasks and task logs.

Every call is system scope: a project robot gets 403. A system-level robot needs ``replication-policy`` list and read
(create and delete too for a narrow scope) and ``replication`` create, read and list.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.glob import glob_match
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import ApiCall, Registry, RegistryError, Tally
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.credentials import Credentials

API = '/api/v2.0/replication'
PERMISSIONS = ('the account needs system-level replication permissions: a system robot with replication-policy list, read '
               '(create, delete for scope narrow) and replication create, read, list; a project robot always gets 403')
RUNNING = 'InProgress'


@dataclass(frozen=True)
class Policy:
    """A replication policy as Harbor's API shows it; ``document`` is the whole JSON, to copy a narrow one from."""

    id: int
    name: str
    enabled: bool
    trigger: str
    dest_url: str
    dest_namespace: str
    dest_replace_count: int
    override: bool
    replicate_deletion: bool
    single_active: bool
    filters: tuple = ()
    document: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, document: dict) -> Policy:
        dest = document.get('dest_registry') or {}
        source = document.get('src_registry') or {}
        # A policy that pulls into Harbor (a source registry other than the local Harbor, id 0) delivers nothing out.
        outgoing = not source.get('id')
        return cls(int(document['id']), str(document.get('name') or ''), bool(document.get('enabled')),
                   str((document.get('trigger') or {}).get('type') or 'manual'),
                   str(dest.get('url') or '') if outgoing else '', str(document.get('dest_namespace') or ''),
                   int(document.get('dest_namespace_replace_count') or 0), bool(document.get('override')),
                   bool(document.get('replicate_deletion')), bool(document.get('single_active_replication')),
                   tuple(entry for entry in document.get('filters') or () if isinstance(entry, dict)), document)

    @property
    def dest_host(self) -> str:
        return urlsplit(self.dest_url).netloc

    def _filter(self, kind: str) -> dict | None:
        return next((entry for entry in self.filters if entry.get('type') == kind), None)

    def takes(self, repository: str, tag: str) -> bool:
        """Whether its filters let ``repository:tag`` through (docs/harbor.md 11.2 step 2): the name and tag globs with
        their decoration; a label filter takes nothing of a proxy project, whose artifacts carry no labels."""
        if self._filter('label'):
            return False
        for kind, value in (('name', repository), ('tag', tag)):
            entry = self._filter(kind)
            if entry is not None:
                matched = glob_match(str(entry.get('value') or ''), value)
                if matched == (entry.get('decoration') == 'excludes'):
                    return False
        return True

    def destination(self, repository: str) -> str:
        """The destination repository of ``repository`` (docs/harbor.md 11.3 step 5)."""
        if not self.dest_namespace:
            return repository
        parts = repository.split('/')
        if self.dest_replace_count < 0:
            kept = parts[-1:]
        else:
            kept = parts[self.dest_replace_count:]
        return '/'.join([self.dest_namespace] + kept)

    def narrowed(self, name: str, repositories: list[str], tags: list[str]) -> dict:
        """A manual copy of this policy that takes only ``repositories`` (of one directory: doublestar v1 reads no
        "{a,b}" across a "/") and ``tags``, each as alternatives of one glob."""
        def alternatives(values: list[str]) -> str:
            unique = sorted(set(values))
            return unique[0] if len(unique) == 1 else '{%s}' % ','.join(unique)

        directory = {name.rpartition('/')[0] for name in repositories}
        if len(directory) != 1:
            raise ValueError('narrowed takes the repositories of one directory, got %s' % ', '.join(sorted(directory)))
        prefix = directory.pop()
        names = alternatives([name.rpartition('/')[2] for name in repositories])

        body = {key: value for key, value in self.document.items()
                if key not in ('id', 'creation_time', 'update_time', 'name', 'trigger', 'filters', 'enabled', 'description')}
        body.update(name=name, enabled=True, trigger={'type': 'manual'},
                    description='Temporary, made by prewarm.harbor to deliver %d image(s); deleted after its run' % len(tags),
                    filters=[{'type': 'name', 'value': '%s/%s' % (prefix, names) if prefix else names},
                             {'type': 'tag', 'value': alternatives(tags)}])
        return body


@dataclass(frozen=True)
class Execution:
    """A replication execution: its status (InProgress, Succeed, Failed, Stopped), text and task counts."""

    id: int
    status: str
    status_text: str
    total: int
    succeed: int
    failed: int

    @classmethod
    def from_json(cls, document: dict) -> Execution:
        return cls(int(document['id']), str(document.get('status') or ''), str(document.get('status_text') or ''),
                   int(document.get('total') or 0), int(document.get('succeed') or 0), int(document.get('failed') or 0))


class ReplicationApi:
    """Harbor's replication API at ``base``, with the replication account's ``credentials``."""

    def __init__(self, registry: Registry, base: str, credentials: Credentials | None) -> None:
        self.registry = registry
        self.base = base
        self.credentials = credentials
        self.tally = Tally()

    def _call(self, method: str, path: str, what: str, body: Any = None) -> Any:
        answer = self.registry.api_call(ApiCall(method, self.base + API + path, what, PERMISSIONS, self.credentials, body),
                                        self.tally)
        if answer.status == 404:
            raise RegistryError('%s: not found (404) on Harbor %s' % (what, self.base))
        return answer

    def policies(self) -> list[Policy]:
        """Every policy, page by page."""
        found: list[Policy] = []
        page = 1
        while True:
            answer = self._call('GET', '/policies?page=%d&page_size=100' % page, 'the list of replication policies')
            documents = answer.document if isinstance(answer.document, list) else []
            found += [Policy.from_json(document) for document in documents if isinstance(document, dict) and 'id' in document]
            if len(documents) < 100:
                return found
            page += 1

    def start(self, policy: Policy) -> int:
        """Start a manual execution of ``policy``: its id (from ``Location``)."""
        answer = self._call('POST', '/executions', 'starting replication policy "%s"' % policy.name, {'policy_id': policy.id})
        if answer.status == 412:
            raise RegistryError('replication policy "%s" is disabled (412): enable it, or name another' % policy.name)
        return _id_in(answer.location, 'execution of "%s"' % policy.name)

    def create(self, body: dict) -> Policy:
        """Create a policy; the Policy as Harbor then shows it."""
        answer = self._call('POST', '/policies', 'creating replication policy "%s"' % body.get('name'), body)
        policy_id = _id_in(answer.location, 'policy "%s"' % body.get('name'))
        return Policy.from_json(self._call('GET', '/policies/%d' % policy_id, 'replication policy %d' % policy_id).document)

    def delete(self, policy: Policy) -> None:
        self._call('DELETE', '/policies/%d' % policy.id, 'deleting replication policy "%s"' % policy.name)

    def execution(self, execution_id: int) -> Execution:
        return Execution.from_json(self._call('GET', '/executions/%d' % execution_id, 'replication execution %d' % execution_id).document)

    def tasks(self, execution_id: int) -> list[dict]:
        answer = self._call('GET', '/executions/%d/tasks?page_size=100' % execution_id, 'the tasks of execution %d' % execution_id)
        return [task for task in answer.document or () if isinstance(task, dict)]

    def log(self, execution_id: int, task_id: int) -> str:
        return self._call('GET', '/executions/%d/tasks/%d/log' % (execution_id, task_id), 'a replication task log').text

    def follow(self, execution_id: int, deadline: float, poll: float = 1.0) -> Execution:
        """Poll the execution until it ends or ``deadline`` passes; its last state."""
        while True:
            execution = self.execution(execution_id)
            if execution.status != RUNNING or time.time() >= deadline:
                return execution
            time.sleep(max(0.0, min(poll, deadline - time.time())))


def _id_in(location: str | None, what: str) -> int:
    """The id at the end of a ``Location`` header (``/api/v2.0/replication/executions/42``)."""
    tail = (location or '').rstrip('/').rsplit('/', 1)[-1]
    if not tail.isdigit():
        raise RegistryError('Harbor created the %s but its answer has no usable Location header (%r)' % (what, location))
    return int(tail)
