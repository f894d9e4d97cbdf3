# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Deliver to the application registry what Harbor holds: a manual replication after Harbor has tied the tag.

Event-based replication of a proxy-cache project never carries a tag (docs/harbor.md 11.1, 11.2); a manual run copies
what Harbor's database holds by tag (11.3). So, for the images not yet there by tag: start the matching policy (scope
``policy``), or a temporary copy narrowed to those images (scope ``narrow``, deleted afterwards), once per policy per
call; follow the execution; read ``total`` 0, a failed task or an override skip as not delivered; look again.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError, OptionError
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.replication import Execution, Policy, ReplicationApi
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.credentials import Credentials
from ansible_collections.prewarm.harbor.plugins.module_utils._result import ImageResult
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.target import Target
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.app_registry import (
    PRESENT, UNREACHABLE, AppImage, AppRegistryOptions, app_image_of, judge_image,
)

OVERRIDE_SKIP = 'the "override" is set to false, skip'
NARROW = 'narrow'


@dataclass
class Route:
    """How one image reaches its application registry: Harbor's repository and the tag, and the policy that copies it."""

    target: Target
    image: AppImage
    repository: str
    api: ReplicationApi
    policy: Policy

    @property
    def tag(self) -> str:
        return self.image.tag


@dataclass
class Routes:
    """Every image's route, found before the warm (or why none could be: Harbor refused the replication account, or
    could not be asked); the warnings about what may undo a delivery, once per policy."""

    by_image: dict = field(default_factory=dict)
    unroutable: dict = field(default_factory=dict)  # image -> why its policy could not be found
    warnings: list = field(default_factory=list)


def find_routes(registry: Registry, targets: list[Target], options: AppRegistryOptions, is_harbor: dict) -> Routes:
    """The policy of each image whose reference names an application registry; OptionError, before anything is warmed,
    for a policy that is unknown, disabled or copies elsewhere. ``is_harbor``: cache base -> whether it is Harbor."""
    routes = Routes()
    apis: dict = {}
    credentials = Credentials(options.replication_username or '', options.replication_password or '')  # checked by prepare
    for target in {target.image: target for target in targets}.values():
        image = app_image_of(target, options)
        if image is None or target.match is None:
            continue
        base = target.match.base_url
        if not is_harbor.get(base):
            raise OptionError('application_registry.deliver: %s is not a Harbor, and only Harbor replicates to the '
                              'application registry; drop deliver for this cache' % base)
        if base not in apis:
            api = ReplicationApi(registry, base, credentials)
            try:
                apis[base] = (api, api.policies())
            except ImageError as exc:  # the account refused (403), Harbor down: no delivery, the warm goes on
                apis[base] = (api, exc)
        api, policies = apis[base]
        if isinstance(policies, ImageError):
            routes.unroutable[target.image] = 'replication policies could not be listed: %s' % policies
            continue
        policy = _policy(policies, options.policy, target.match.repository, image, base)
        routes.by_image[target.image] = Route(target, image, target.match.repository, api, policy)
    for policy in {route.policy.id: route.policy for route in routes.by_image.values()}.values():
        routes.warnings += _traps(policy, [route for route in routes.by_image.values() if route.policy.id == policy.id], options)
    return routes


def _policy(policies: list[Policy], name: str | None, repository: str, image: AppImage, base: str) -> Policy:
    """The named policy, checked, or the enabled one whose destination is the image's own repository and whose filters
    take it. Harbor may name the destination as the references do, or by the endpoint it is reached at."""
    host, path, tag = image.host, image.repo.name, image.tag
    hosts = {host, urlsplit(image.repo.base).netloc}
    if name:
        named = [policy for policy in policies if policy.name == name]
        if not named:
            raise OptionError('application_registry.policy "%s" is not a replication policy of Harbor %s (it has: %s): '
                              'give the name of one, or leave it out to use the one that copies to %s' % (
                                  name, base, ', '.join(sorted(p.name for p in policies)) or 'none', host))
        policy = named[0]
        if not policy.enabled:
            raise OptionError('application_registry.policy "%s" is disabled in Harbor %s: enable it, or name another' % (name, base))
        if policy.dest_host not in hosts or policy.destination(repository) != path:
            raise OptionError('application_registry.policy "%s" copies %s to %s/%s, not to %s/%s, where the image\'s '
                              'reference points: name the policy whose destination is the application registry' % (
                                  name, repository, policy.dest_host or 'nowhere', policy.destination(repository), host, path))
        return policy
    fits = [policy for policy in policies if policy.enabled and policy.dest_host in hosts
            and policy.destination(repository) == path and policy.takes(repository, tag)]
    if not fits:
        raise OptionError('application_registry.deliver: no enabled replication policy of Harbor %s copies %s:%s to '
                          '%s/%s: create one (source this Harbor, destination the application registry) or name it in '
                          'application_registry.policy' % (base, repository, tag, host, path))
    return sorted(fits, key=lambda policy: (policy.trigger == 'event_based', policy.id))[0]


def _traps(policy: Policy, routes: list[Route], options: AppRegistryOptions) -> list[str]:
    """What will undo a delivery by this policy, or make its own runs miss: said once per policy."""
    said = []
    if not policy.override:
        said.append('override is false: a tag that moves upstream stays stale in the application registry')
    if policy.replicate_deletion and policy.trigger == 'event_based':  # only event-based policies replicate deletions (11.7)
        said.append('replicate_deletion is on: when Harbor\'s retention (by default: keep what was pulled in the last 7 '
                    'days) deletes the proxy copies, the tags are deleted from the application registry too, and nodes '
                    'pulling from there never refresh Harbor\'s pull time; warm again within the retention window')
    if policy.single_active and options.scope != NARROW:
        said.append('single_active_replication is on: a run started while another execution of it runs is skipped '
                    '(failed at once); scope narrow runs a copy of its own')
    if any(entry.get('type') == 'label' for entry in policy.filters):
        said.append('it has a label filter, which takes nothing of a proxy-cache project (its artifacts carry no labels)')
    refused = sorted(route.tag for route in routes if not policy.takes(route.repository, route.tag))
    if refused and options.scope != NARROW:
        said.append('its filters refuse tag(s) %s, so its runs do not copy them: use scope narrow, or widen the filter'
                    % ', '.join(refused))
    return ['replication policy "%s": %s' % (policy.name, text) for text in said]


def deliver_all(routes: Routes, results: dict, options: AppRegistryOptions, check_mode: bool) -> None:
    """For every routed image not there by tag, one execution per policy (narrow: per policy and directory), all at
    once, then a new look; each image's result gets a ``delivery`` block in its ``application_registry`` block."""
    waiting: dict = {}
    for image, cause in routes.unroutable.items():
        block = results[image].application_registry
        if block is not None and block['status'] != PRESENT:
            block['delivery'] = dict(policy=None, delivered=False, cause=cause)
    for image, route in routes.by_image.items():
        result = results[image]
        block = result.application_registry
        if block is None or block['status'] == PRESENT:
            continue
        if block['status'] == UNREACHABLE:
            block['delivery'] = dict(policy=route.policy.name, delivered=False, cause='the application registry could not be asked')
            continue
        waiting.setdefault(route.policy.id, []).append(route)
    runs: list[list[Route]] = []
    for group in waiting.values():
        policy = group[0].policy
        if check_mode:
            for route in group:
                results[route.target.image].application_registry['delivery'] = dict(
                    policy=policy.name, scope=options.scope, delivered=False, would_deliver=True)
            continue
        runs += _by_directory(group) if options.scope == NARROW else [group]
    if runs:
        with ThreadPoolExecutor(max_workers=min(8, len(runs)), thread_name_prefix='deliver') as runners:
            list(runners.map(lambda run: _deliver(run, results, options), runs))


def _by_directory(group: list[Route]) -> list[list[Route]]:
    """A policy's images in one narrow run per directory of repositories: Harbor matches a name filter with
    doublestar v1, which splits the pattern at each "/" before reading "{a,b}", so alternatives cannot span
    directories (docs/harbor.md 11.2 step 2)."""
    runs: dict = {}
    for route in group:
        runs.setdefault(route.repository.rpartition('/')[0], []).append(route)
    return list(runs.values())


def _deliver(group: list[Route], results: dict, options: AppRegistryOptions) -> None:
    policy, api = group[0].policy, group[0].api
    deadline = time.time() + options.deadline
    run = policy
    try:
        if options.scope == NARROW:
            name = 'prewarm-%s-%s' % (policy.name[:40], secrets.token_hex(4))
            run = api.create(policy.narrowed(name, [route.repository for route in group], [route.tag for route in group]))
        try:
            execution_id = api.start(run)
            execution = api.follow(execution_id, deadline)
            logs = {int(task['id']): (task, api.log(execution_id, int(task['id']))) for task in api.tasks(execution_id)}
        finally:
            if run is not policy:
                api.delete(run)
    except ImageError as exc:
        for route in group:
            results[route.target.image].application_registry['delivery'] = dict(
                policy=policy.name, scope=options.scope, delivered=False, cause=str(exc))
        return
    for route in group:
        result: ImageResult = results[route.target.image]
        # The execution has ended: what it copied is there now, so one look (waiting would only delay a failure).
        block = judge_image(api.registry, route.image, result, time.time())
        cause = None if block['present'] else _cause(execution, logs, route)
        block['delivery'] = dict(policy=policy.name, scope=options.scope, execution=execution.id, status=execution.status,
                                 total=execution.total, delivered=block['present'], cause=cause)
        result.application_registry = block
        if block['present']:
            result.changed = True


def _cause(execution: Execution, logs: dict, route: Route) -> str:
    """Why a finished (or still running) execution did not put the image there by tag."""
    if execution.status == 'InProgress':
        return 'execution %d was still running at the deadline (application_registry.deadline)' % execution.id
    if 'skipped' in execution.status_text.lower():
        return ('execution %d was skipped: "%s" (single_active_replication, another execution of the policy was running); '
                'warm again when it has ended, or use scope narrow' % (execution.id, execution.status_text))
    if execution.total == 0 and execution.status == 'Failed':
        return 'execution %d failed before any task: "%s"' % (execution.id, execution.status_text or 'no reason given')
    if execution.total == 0:
        return ('execution %d copied nothing (Succeed with total 0, "%s"): Harbor holds nothing tagged that the policy '
                'takes; check Harbor has committed the tag (wait_for_commit) and the policy\'s filters' % (
                    execution.id, execution.status_text or 'no resources need to be replicated'))
    for task, log in logs.values():
        if route.repository not in str(task.get('src_resource') or ''):
            continue
        if task.get('status') == 'Failed':
            return 'replication task %s failed: %s' % (task.get('id'), _last_lines(log))
        if OVERRIDE_SKIP in log and ':[%s]' % route.tag in log:
            return ('the tag already points at another digest in the application registry and the policy\'s override is '
                    'false, so Harbor skipped it (the task still succeeded): set override: true, or delete the stale tag')
    return 'execution %d ended %s, yet the tag does not resolve with every platform: see the task logs in Harbor' % (
        execution.id, execution.status)


def _last_lines(log: str, count: int = 3) -> str:
    return ' | '.join(line.strip() for line in log.strip().splitlines()[-count:]) or 'no log'
