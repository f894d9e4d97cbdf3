# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The replication REST API and the registry endpoints (11.4; ``handler/replication.go``, ``handler/registry.go``).

Every call is system scope (``RequireSystemAccess``): anonymous 401, an identity without the permission 403 (the
project robot included), checked before anything else. Lists take ``page`` and ``page_size`` (10, at most 100) and
answer ``X-Total-Count`` and ``Link``; policies take ``q=name=<exact>`` or ``q=name=~<part>`` and ``name=<part>``.
"""

import json

from . import reply as replies
from .policies import PolicyError, registry_json

API = '/api/v2.0'


def _page(query):
    try:
        page = max(int(query.get('page', ['1'])[0]), 1)
        size = min(max(int(query.get('page_size', ['10'])[0]), 1), 100)
    except ValueError as exc:
        raise PolicyError(400, 'BAD_REQUEST', f'invalid paging parameter: {exc}') from exc
    return page, size


def _paged(items, query, path):
    page, size = _page(query)
    chosen = items[(page - 1) * size:page * size]
    links = []
    if page > 1:
        links.append(f'<{API}{path}?page={page - 1}&page_size={size}>; rel="prev"')
    if page * size < len(items):
        links.append(f'<{API}{path}?page={page + 1}&page_size={size}>; rel="next"')
    headers = [('X-Total-Count', str(len(items)))] + ([('Link', ', '.join(links))] if links else [])
    reply = replies.json_reply(chosen)
    reply.headers += headers
    return reply


def _name_filter(query):
    """(exact, part) from ``q`` (``name=x`` / ``name=~x``) and ``name``."""
    exact = part = None
    for clause in ','.join(query.get('q', [])).split(','):
        key, _sep, value = clause.partition('=')
        if key.strip() == 'name' and value.startswith('~'):
            part = value[1:]
        elif key.strip() == 'name':
            exact = value
    if query.get('name'):
        part = query['name'][0]
    return exact, part


def _int(text, what):
    try:
        return int(text)
    except ValueError as exc:
        raise PolicyError(400, 'BAD_REQUEST', f'invalid {what}: {text}') from exc


class ReplicationApi:
    """Routes ``/replication/...`` and ``/registries`` (paths below ``/api/v2.0``)."""

    def __init__(self, settings, replication):
        self.settings = settings
        self.replication = replication

    @staticmethod
    def handles(path):
        """True for the paths this class answers."""
        return path.startswith('/replication/') or path == '/registries' or path.startswith('/registries/')

    def handle(self, method, path, query, identity, body):  # pylint: disable=too-many-arguments
        """A Reply."""
        try:
            return self._route(method, path, query, identity, body)
        except PolicyError as exc:
            return replies.error(exc.status, exc.code, exc.message)

    def _require(self, identity, resource, action):
        if not identity.authenticated:
            raise PolicyError(401, 'UNAUTHORIZED', 'unauthorized')
        if not identity.can(resource, action):
            raise PolicyError(403, 'FORBIDDEN', identity.name)

    @staticmethod
    def _json(body):
        try:
            return json.loads(body or b'null')
        except ValueError as exc:
            raise PolicyError(400, 'BAD_REQUEST', f'invalid JSON body: {exc}') from exc

    def _route(self, method, path, query, identity, body):  # pylint: disable=too-many-arguments,too-many-return-statements
        parts = path.strip('/').split('/')
        if parts[0] == 'registries':
            return self._registries(method, parts, query, identity)
        if parts[1:2] == ['policies'] and len(parts) == 2:
            if method == 'GET':
                return self._list_policies(path, query, identity)
            if method == 'POST':
                self._require(identity, 'replication-policy', 'create')
                policy_id = self.replication.create_policy(self._json(body), identity.name)
                return replies.Reply(201, [('Location', f'{API}{path.rstrip("/")}/{policy_id}')], b'', 0)
        if parts[1:2] == ['policies'] and len(parts) == 3:
            return self._policy(method, _int(parts[2], 'policy id'), identity, body)
        if parts[1:2] == ['executions']:
            return self._executions(method, path, parts[2:], query, identity, body)
        return replies.error(405 if len(parts) <= 3 else 404, 'METHOD_NOT_ALLOWED' if len(parts) <= 3 else 'NOT_FOUND',
                             f'{method} {API}{path} is not emulated')

    def _list_policies(self, path, query, identity):
        self._require(identity, 'replication-policy', 'list')
        exact, part = _name_filter(query)
        found = [self.replication.policy_json(policy) for policy in reversed(self.replication.policies())  # newest first
                 if exact in (None, policy.name) and (part is None or part in policy.name)]
        return _paged(found, query, path)

    def _policy(self, method, policy_id, identity, body):
        if method == 'GET':
            self._require(identity, 'replication-policy', 'read')
            return replies.json_reply(self.replication.policy_json(self.replication.policy(policy_id)))
        if method == 'PUT':
            self._require(identity, 'replication-policy', 'update')
            self.replication.update_policy(policy_id, self._json(body))
            return replies.Reply(200, [], b'', 0)
        if method == 'DELETE':
            self._require(identity, 'replication-policy', 'delete')
            self.replication.delete_policy(policy_id)
            return replies.Reply(200, [], b'', 0)
        return replies.error(405, 'METHOD_NOT_ALLOWED', 'method not allowed')

    def _executions(self, method, path, rest, query, identity, body):  # pylint: disable=too-many-arguments,too-many-return-statements
        records = self.replication.records
        if not rest and method == 'POST':
            self._require(identity, 'replication', 'create')
            request = self._json(body)
            if not isinstance(request, dict) or not isinstance(request.get('policy_id'), int):
                raise PolicyError(400, 'BAD_REQUEST', 'policy_id (an integer) is required')
            trigger = 'scheduled' if query.get('trigger', [''])[0] == 'scheduled' else 'manual'
            execution_id = self.replication.start(self.replication.policy(request['policy_id']), None, trigger)
            return replies.Reply(201, [('Location', f'{API}{path.rstrip("/")}/{execution_id}')], b'', 0)
        if method != 'GET':
            return replies.error(405, 'METHOD_NOT_ALLOWED', f'{method} {API}{path} is not emulated')
        if not rest:
            self._require(identity, 'replication', 'list')
            policy_id = _int(query['policy_id'][0], 'policy_id') if query.get('policy_id') else None
            found = records.executions(policy_id, query.get('status', [None])[0], query.get('trigger', [None])[0])
            return _paged(found, query, path)
        execution_id = _int(rest[0], 'execution id')
        if len(rest) == 1:
            self._require(identity, 'replication', 'read')
            return self._found(records.execution_json(execution_id), f'replication execution {execution_id} not found')
        if len(rest) == 2 and rest[1] == 'tasks':
            self._require(identity, 'replication', 'list')
            tasks = records.tasks_json(execution_id)
            if tasks is None:
                raise PolicyError(404, 'NOT_FOUND', f'replication execution {execution_id} not found')
            wanted = query.get('status', [None])[0]
            return _paged([task for task in tasks if wanted in (None, task['status'])], query, path)
        if len(rest) == 4 and rest[1] == 'tasks' and rest[3] == 'log':
            self._require(identity, 'replication', 'read')
            text = records.task_log(execution_id, _int(rest[2], 'task id'))
            if text is None:
                raise PolicyError(404, 'NOT_FOUND', f'execution {execution_id} contains no task with ID {rest[2]}')
            data = text.encode()
            return replies.Reply(200, [('Content-Type', 'text/plain')], data, len(data))
        return replies.error(404, 'NOT_FOUND', f'no API route {API}{path}')

    @staticmethod
    def _found(document, message):
        if document is None:
            raise PolicyError(404, 'NOT_FOUND', message)
        return replies.json_reply(document)

    def _registries(self, method, parts, query, identity):
        if method != 'GET':
            return replies.error(405, 'METHOD_NOT_ALLOWED', 'the emulator\'s registry endpoints are read-only')
        if len(parts) == 1:
            self._require(identity, 'registry', 'list')
            return _paged([registry_json(item) for item in self.settings.registries], query, '/registries')
        self._require(identity, 'registry', 'read')
        registry = self.settings.registry(_int(parts[1], 'registry id'))
        return self._found(registry_json(registry) if registry else None, f'registry {parts[1]} not found')
