# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replication policies (11.4): a POST or PUT body read and validated as ``handler/replication.go`` and
``controller/replication/model.Policy.Validate`` do, and the JSON a GET answers.

As in Harbor, a request's ``deletion`` field sets "replicate deletion" (``replicate_deletion`` in a request is not
read; answers carry both); a PUT replaces the whole policy (absent fields become false, 0 or empty); an absent
``dest_namespace_replace_count`` is -1; ``single_active_replication`` with an ``event_based`` trigger is refused with a
500. The emulator replicates from the local Harbor only: a policy with a source registry is refused (400).
"""

import dataclasses
import re

from .db import timestamp

TRIGGER_TYPES = ('manual', 'event_based', 'scheduled')
FILTER_TYPES = ('name', 'tag', 'label', 'resource')
# lib.RepositoryNameRe (distribution's reference.NameRegexp).
_NAME = re.compile(r'^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*'
                   r'(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*)*$')
LOCAL = {'id': 0, 'name': 'Local', 'type': 'harbor', 'url': 'http://core:8080', 'insecure': True, 'status': 'healthy',
         'description': '', 'credential': {'type': 'secret', 'access_key': '', 'access_secret': '*****'},
         'creation_time': '0001-01-01T00:00:00.000Z', 'update_time': '0001-01-01T00:00:00.000Z'}


class PolicyError(Exception):
    """A refused request: HTTP status, Harbor's error code, message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def bad(message):
    """400 BAD_REQUEST."""
    return PolicyError(400, 'BAD_REQUEST', message)


@dataclasses.dataclass
class Policy:  # pylint: disable=too-many-instance-attributes
    """A stored policy (the local Harbor is always its source)."""

    policy_id: int
    name: str
    dest_registry_id: int
    filters: list
    trigger: dict
    description: str = ''
    creator: str = ''
    dest_namespace: str = ''
    dest_namespace_replace_count: int = -1
    replicate_deletion: bool = False
    override: bool = False
    enabled: bool = False
    speed: int = 0
    copy_by_chunk: bool = False
    single_active_replication: bool = False
    creation_time: float = 0.0
    update_time: float = 0.0

    @property
    def trigger_type(self):
        """manual, event_based or scheduled."""
        return (self.trigger or {}).get('type', '')


def _registry_id(body, key):
    value = body.get(key)
    if value is None:
        return 0
    if not isinstance(value, dict) or not isinstance(value.get('id', 0), int):
        raise bad(f'{key} must be an object with an integer id')
    return value.get('id', 0)


def _filters(raw):
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad('filters must be an array')
    filters = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad('a filter must be an object')
        kind, value, decoration = item.get('type', ''), item.get('value'), item.get('decoration', '') or ''
        if kind in ('name', 'tag', 'resource'):
            if not isinstance(value, str):
                raise bad("the type of filter value isn't string")
            if kind == 'resource' and value not in ('image', 'artifact'):
                raise bad(f'invalid resource filter: {value}')
            if kind != 'tag' and decoration:
                raise bad('only tag and label filter support decoration')
        elif kind == 'label':
            if not isinstance(value, list) or not all(isinstance(label, str) for label in value):
                raise bad("the type of label filter value isn't string slice")
        else:
            raise bad('invalid filter type')
        if decoration not in ('', 'matches', 'excludes'):
            raise bad(f'invalid decoration {decoration}')
        filters.append({'type': kind, 'value': value, 'decoration': decoration})
    return filters


def _trigger(raw):
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad('trigger must be an object')
    kind = raw.get('type', '')
    cron = ((raw.get('trigger_settings') or {}).get('cron') or '').strip()
    if kind not in TRIGGER_TYPES:
        raise bad('invalid trigger type')
    if kind == 'scheduled':
        fields = cron.split(' ')
        if not cron:
            raise bad(f'the cron string cannot be empty when the trigger type is {kind}')
        if len(fields) != 6:
            raise bad(f'invalid cron string for scheduled trigger: {cron}')
        if fields[0] != '0':
            raise bad('the 1st field (indicating Seconds of time) of the cron setting must be 0')
        if fields[1] == '*':
            raise bad('* is not allowed for the Minutes field of the cron setting of replication policy')
    return {'type': kind, 'trigger_settings': {'cron': cron}}


def parse(body, policy_id, registries, now, creator='', created=None):  # pylint: disable=too-many-arguments
    """A Policy from a POST or PUT body (raises PolicyError). ``registries`` is Settings.registry."""
    if not isinstance(body, dict):
        raise bad('the request body must be a JSON object')
    src, dest = _registry_id(body, 'src_registry'), _registry_id(body, 'dest_registry')
    single = body.get('single_active_replication')
    if single and isinstance(body.get('trigger'), dict) and body['trigger'].get('type') == 'event_based':
        raise PolicyError(500, 'UNKNOWN', 'internal server error')  # a plain error in the handler (SendError: 500)
    name = body.get('name') or ''
    if not isinstance(name, str) or not name:
        raise bad('empty name')
    if (src == 0) == (dest == 0):
        raise bad('either src_registry or dest_registry should be empty and the other one shouldn\'t be empty')
    filters = _filters(body.get('filters'))
    namespace = body.get('dest_namespace') or ''
    if namespace and not _NAME.match(namespace):
        raise bad(f'invalid destination namespace: {namespace}')
    trigger = _trigger(body.get('trigger'))
    for registry_id in (src, dest):
        if registry_id and registries(registry_id) is None:
            raise PolicyError(404, 'NOT_FOUND', f'registry {registry_id} not found')
    if src:
        raise bad('the emulator replicates from the local Harbor only (pull-based policies are not emulated)')
    count, speed = body.get('dest_namespace_replace_count'), body.get('speed')
    if not isinstance(count, (int, type(None))) or not isinstance(speed, (int, type(None))):
        raise bad('dest_namespace_replace_count and speed must be integers')
    return Policy(policy_id=policy_id, name=name, dest_registry_id=dest, filters=filters, trigger=trigger,
                  description=body.get('description') or '', creator=creator, dest_namespace=namespace,
                  dest_namespace_replace_count=-1 if count is None else int(count), replicate_deletion=bool(body.get('deletion')),
                  override=bool(body.get('override')), enabled=bool(body.get('enabled')), speed=max(int(speed or 0), 0),
                  copy_by_chunk=bool(body.get('copy_by_chunk')), single_active_replication=bool(single),
                  creation_time=now if created is None else created, update_time=now)


def registry_json(registry):
    """``models.Registry`` of an endpoint (the secret masked)."""
    return {'id': registry.registry_id, 'name': registry.name, 'type': registry.registry_type, 'url': registry.url,
            'insecure': False, 'status': 'healthy', 'description': '',
            'credential': {'type': 'basic', 'access_key': registry.user, 'access_secret': '*****'},
            'creation_time': '0001-01-01T00:00:00.000Z', 'update_time': '0001-01-01T00:00:00.000Z'}


def to_json(policy, registries):
    """``models.ReplicationPolicy`` (``convertReplicationPolicy``)."""
    dest = registries(policy.dest_registry_id)
    document = {'id': policy.policy_id, 'name': policy.name, 'description': policy.description,
                'src_registry': dict(LOCAL), 'dest_registry': registry_json(dest) if dest else None,
                'dest_namespace': policy.dest_namespace, 'dest_namespace_replace_count': policy.dest_namespace_replace_count,
                'filters': [dict(item) for item in policy.filters] or None, 'replicate_deletion': policy.replicate_deletion,
                'deletion': policy.replicate_deletion, 'override': policy.override, 'enabled': policy.enabled,
                'speed': policy.speed, 'copy_by_chunk': policy.copy_by_chunk,
                'single_active_replication': policy.single_active_replication,
                'creation_time': timestamp(policy.creation_time), 'update_time': timestamp(policy.update_time)}
    if policy.trigger is not None:
        document['trigger'] = {'type': policy.trigger['type'], 'trigger_settings': dict(policy.trigger['trigger_settings'])}
    return document
