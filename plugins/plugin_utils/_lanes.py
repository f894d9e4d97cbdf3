# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""The companion playbook's plan: which images each cache warms, through which lanes, with which module options.

A lane is one in-memory host that warms its images one after another (a loop, so each image's result is shown as
it completes); lanes run side by side, at most ``parallel`` in all, which the warm task's ``throttle`` also holds.
Lanes, not one host per image, because a host costs Ansible a worker process per task, a loop item does not.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from ansible.errors import AnsibleError

from ansible_collections.prewarm.harbor.plugins.module_utils._argspec import ARGUMENT_SPEC, PER_CACHE, validate
from ansible_collections.prewarm.harbor.plugins.module_utils._errors import OptionError
from ansible_collections.prewarm.harbor.plugins.module_utils._populate import prepare
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.populator_config import load_config
from ansible_collections.prewarm.harbor.plugins.module_utils._result import UNMATCHED, WOULD_WARM, ImageResult

LANE_PREFIX = 'prewarm-'
_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]*$')
# The module options a cache entry may set (else the play-wide one): the module's own list, paths (made absolute
# first, unless a runner runs the cache's warm) apart from those passed as they are.
_PATHS = tuple(key for key in PER_CACHE if ARGUMENT_SPEC[key]['type'] == 'path')
_SHARED = tuple(key for key in PER_CACHE if key not in _PATHS)


def plan(release: list[dict[str, Any]], caches: list[dict[str, Any]], settings: dict[str, Any]) -> dict[str, Any]:
    """``release``: the sources and their images (the release_images lookup's entries); ``caches``: the entries of
    prewarm_caches (or the one made of the single-cache variables); ``settings``: the play-wide variables
    (parallel, forks, cwd and the module options' defaults)."""
    if not release:
        raise AnsibleError('nothing to warm: set prewarm_manifests, prewarm_kustomize, prewarm_helm or prewarm_images')
    images = sorted(set(image for source in release for image in source['images']))
    parallel = int(settings['parallel'])
    if parallel < 1:
        raise AnsibleError('prewarm_parallel must be at least 1, got %d' % parallel)
    entries = [_cache(entry, index, settings) for index, entry in enumerate(caches)]
    names = [entry['name'] for entry in entries]
    for name in set(names):
        if names.count(name) > 1:
            raise AnsibleError('prewarm_caches: the name "%s" is given to %d caches; give each cache its own name'
                               % (name, names.count(name)))
    settled, work, taken = [], [], set()
    for entry in entries:
        to_warm = []
        for result in _match(entry, images):
            result['cache'] = entry['name']
            if result['status'] == WOULD_WARM:
                to_warm.append(result['image'])
                taken.add(result['image'])
            else:
                settled.append(result)
        work.append((entry, to_warm))
    settled = _unmatched_once(settled, taken)
    counts = lane_counts([min(entry['parallel'], len(to_warm)) for entry, to_warm in work], parallel)
    lanes = []
    for (entry, to_warm), count in zip(work, counts):
        for number in range(count):
            lanes.append(dict(name='%s%s-%d' % (LANE_PREFIX, entry['name'], number + 1), cache=entry['name'],
                              images=to_warm[number::count], options=entry['options'], runner=entry['runner'],
                              username_env=entry['username_env'], password_env=entry['password_env'],
                              app_env=entry['app_env'], secret='password' in entry['options'] or bool(entry['app_env'])))
    in_flight = min(parallel, len(lanes))
    forks = int(settings['forks'])
    if in_flight > forks:
        raise AnsibleError(
            'prewarm_parallel is %d but ansible-playbook runs %d forks, so at most %d images would be warmed at once: '
            'run it with --forks %d (or ANSIBLE_FORKS=%d), or lower prewarm_parallel'
            % (parallel, forks, forks, in_flight, in_flight))
    return dict(lanes=lanes, settled=settled, caches=names, parallel=parallel, started=time.time(),
                sources=[source['source'] for source in release], report=_absolute(settings['cwd'], settings.get('report')) or '')


def _unmatched_once(settled: list[dict[str, Any]], taken: set[str]) -> list[dict[str, Any]]:
    """An image no rule of one cache takes is unmatched only when no other cache takes it either, and then once."""
    kept, unmatched = [], set()
    for result in settled:
        if result['status'] == UNMATCHED:
            if result['image'] in taken or result['image'] in unmatched:
                continue
            unmatched.add(result['image'])
        kept.append(result)
    return kept


def lane_counts(wanted: list[int], limit: int) -> list[int]:
    """Lanes per cache: each cache with work gets one, then one more in turn while any wants more, ``limit`` in all.
    With more caches than ``limit``, each still gets its one lane and ``throttle`` keeps the limit."""
    counts = [1 if want else 0 for want in wanted]
    while sum(counts) < limit and any(count < want for count, want in zip(counts, wanted)):
        for index, want in enumerate(wanted):
            if counts[index] < want and sum(counts) < limit:
                counts[index] += 1
    return counts


def _cache(entry: dict[str, Any], index: int, settings: dict[str, Any]) -> dict[str, Any]:
    """One cache's name, lanes wanted, runner, credentials' variable names, and module options (image aside)."""
    name = str(entry.get('name') or '')
    if not _NAME.match(name):
        raise AnsibleError('prewarm_caches[%d]: name "%s" must be letters, digits, "-" and "_" (it names the cache\'s '
                           'lanes in the output, e.g. %s%s-1)' % (index, name, LANE_PREFIX, name or 'eu'))
    where = 'prewarm_caches[%d] (%s)' % (index, name)
    cwd = settings['cwd']
    runner = str(entry.get('runner') or '')
    if runner and runner != 'localhost' and runner not in settings.get('inventory_hosts', (runner,)):
        raise AnsibleError('%s: runner "%s" is not a host of the inventory: add it (with how to reach it), or drop '
                           'runner to warm from this controller' % (where, runner))
    options = {key: entry[key] if entry.get(key) is not None else settings.get(key) for key in _SHARED}
    if isinstance(options['platforms'], str):  # -e prewarm_platforms=linux/amd64,linux/arm64
        options['platforms'] = re.findall(r'[^,\s]+', options['platforms'])
    # A runner's files are its own: its paths are passed as given, and not looked for here.
    options.update((key, entry.get(key) or settings.get(key) if runner else _absolute(cwd, entry.get(key) or settings.get(key)))
                   for key in _PATHS)
    jobs = None
    if bool(entry.get('proxy_caches')) == bool(entry.get('config_file')):
        raise AnsibleError('%s: set exactly one of proxy_caches (a list of rules) and config_file (a '
                           'HarborProxyCachePopulator configuration file)' % where)
    config_file = _absolute(cwd, entry.get('config_file'))
    if config_file:
        # Read here, sent as rules: a runner need not hold the file.
        options['proxy_caches'], jobs = _config_file_rules(config_file, where)
    else:
        options['proxy_caches'] = entry['proxy_caches']
    options.update((key, entry[key]) for key in ('username', 'password') if entry.get(key))
    # Unset is None, '' or [] (the play-wide defaults), except where [] is a choice of its own (signatures: none).
    options = {key: value for key, value in options.items()
               if value not in (None, '') and (value != [] or ARGUMENT_SPEC.get(key, {}).get('default'))}
    for key in ('username_env', 'password_env'):
        _check_env(where, key, entry.get(key))
    app, app_env = _application_registry(entry.get('application_registry') or settings.get('application_registry') or {}, where)
    if app:
        options['application_registry'] = app
    parallel = int(entry.get('parallel') or jobs or settings['parallel'])
    if parallel < 1:
        raise AnsibleError('%s: parallel must be at least 1, got %d' % (where, parallel))
    return dict(name=name, where=where, options=dict(options, max_parallel_jobs=1, fail_on_error=True),
                parallel=parallel, runner=runner, app_env=app_env,
                username_env=entry.get('username_env') or '', password_env=entry.get('password_env') or '')


def _check_env(where: str, key: str, variable: str | None) -> None:
    if variable and not os.environ.get(variable):
        raise AnsibleError('%s: %s names %s, which is not set (or empty) in the environment of ansible-playbook: '
                           'export it (in AWX, attach a credential that injects it)' % (where, key, variable))


def _application_registry(given: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A cache's application_registry: the module's options as they are, and its secrets' variable names (the module's
    option -> the controller's environment variable), read only where the task runs (application_registry_args)."""
    options = {key: value for key, value in given.items() if not key.endswith('_env') and value is not None}
    names = {key[:-len('_env')]: str(value) for key, value in given.items() if key.endswith('_env') and value}
    for key, variable in names.items():
        _check_env(where, 'application_registry.%s_env' % key, variable)
    return options, names


def application_registry_args(lane: dict[str, Any]) -> dict[str, Any]:
    """The module's application_registry for a lane's task: its options, with the secrets from the controller's
    environment (never stored in a variable: the plan carries only their names)."""
    return dict(lane['options'].get('application_registry') or {},
                **{key: os.environ.get(variable) for key, variable in (lane.get('app_env') or {}).items()})


def _match(entry: dict[str, Any], images: list[str]) -> list[dict[str, Any]]:
    """Each image's target as the module's own ``prepare`` makes it (every option checked, nothing sent, no thread):
    to warm (``would_warm``), ``unmatched`` or ``failed`` (an invalid reference)."""
    params = dict(entry['options'], images=images, fail_on_error=False)
    if entry['runner']:
        for key in _PATHS:  # on the runner, not here
            params.pop(key, None)
    for key in ('username_env', 'password_env'):
        if entry[key]:
            params[key.split('_', maxsplit=1)[0]] = os.environ[entry[key]]
    params['application_registry'] = application_registry_args(entry)
    try:
        prepared = prepare(validate(params)[0])
    except OptionError as exc:
        raise AnsibleError('%s: %s' % (entry['where'], exc)) from exc
    return [_planned(target.result()) for target in prepared.targets]


def _planned(result: ImageResult) -> dict[str, Any]:
    """A target's result as the plan shows it: settled by planning (unmatched, failed), else still to warm."""
    if result.status is None:
        result.finish(WOULD_WARM)
    return result.as_dict()


def _config_file_rules(path: str, where: str) -> tuple[list[dict[str, Any]], int | None]:
    """The file's rules as proxy_caches options, and its maxNumberOfParallelJobs; checked as the module would."""
    try:
        config = load_config(path)
    except OptionError as exc:
        raise AnsibleError('%s: %s' % (where, exc)) from exc
    return config.proxy_caches, config.jobs


def _absolute(cwd: str, path: str | None) -> str | None:
    return os.path.join(cwd, os.path.expanduser(path)) if path else None
