# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""The module's work, without AnsibleModule: options in, result dict out, in two steps.

``prepare`` checks every option, compiles the rules, parses the platforms, finds the credentials and maps each image
to its target: no request and no thread, so a configuration mistake fails the task at once with a message naming
the option, and the companion playbook's plan can call it alone. ``run`` warms (or, in check mode, inspects) the
prepared targets; a problem with one image fails that image only.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import OptionError
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.options import HarborOptions
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import parse_platforms
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.reference import parse_reference
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.connection import Connection
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.credentials import CredentialSource, CredentialsByHost
from ansible_collections.prewarm.harbor.plugins.module_utils._result import FAILED
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.populator_config import load_config
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.rule import rules_from_options
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.target import Target, targets_for
from ansible_collections.prewarm.harbor.plugins.module_utils._summary import failure_message
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.app_registry import (
    AppRegistryOptions, app_image_of, looked_for, names_the_cache,
)
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.options import WarmOptions
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.warmer import Warmer

DEFAULT_JOBS = 2  # as in HarborProxyCachePopulator's example configuration


@dataclass(frozen=True)
class Prepared:
    """Everything a run needs, checked: the targets in order, how to reach the caches, and how to warm."""

    targets: list[Target]
    connection: Connection
    credentials: CredentialsByHost
    options: WarmOptions


def prepare(params: dict) -> Prepared:
    """The module's parameters (validated by the argument spec) checked and compiled; OptionError when one cannot
    work. Reads the configuration and auth files, sends nothing and starts no thread."""
    images = [params['image']] if params.get('image') is not None else list(params.get('images') or [])
    rules, jobs = _rules_and_jobs(params)
    platforms = parse_platforms(params['platforms']) if params.get('platforms') else None
    caches = CredentialSource(params.get('username'), params.get('password'), params.get('auth_file'))
    _check_numbers(params)
    app = _app_registry_options(params.get('application_registry') or {}, params['wait_for_commit'])
    targets = targets_for(images, rules, platforms)
    if app.deliver:
        _check_deliverable(targets, app)
    app_images = [image for image in (app_image_of(target, app) for target in targets) if image]
    app_hosts = sorted({urlsplit(image.repo.base).netloc for image in app_images})
    upstream_hosts = _upstream_hosts(targets, params['signatures'])
    # Each its own source (never the cache's credentials); the auth file is read again only when there is one to ask.
    app_source = CredentialSource(app.username, app.password, params.get('auth_file')) if app_hosts else caches
    upstream_source = _upstream_source(params) if upstream_hosts else caches
    credentials = CredentialsByHost(caches, dict({host: upstream_source for host in upstream_hosts},
                                                 **{host: app_source for host in app_hosts}))
    connection = Connection(validate_certs=params['validate_certs'], ca_path=params.get('ca_path'), timeout=params['timeout'],
                            retries=params['retries'], pool_size=jobs,
                            allow_plain_http_credentials=params['allow_plain_http_credentials'],
                            username=params.get('username'), password=params.get('password'), auth_file=params.get('auth_file'),
                            app_hosts=tuple(app_hosts), app_username=app.username, app_password=app.password,
                            upstream_hosts=tuple(upstream_hosts), upstream_username=params.get('upstream_username'),
                            upstream_password=params.get('upstream_password'))
    harbor = HarborOptions(params['wait_for_commit'], params['complete_index'], params['harbor_check_interval'], params['trigger_blobs'])
    options = WarmOptions(jobs, params['cache_flavor'], params['pull_blobs'], tuple(dict.fromkeys(params['signatures'])), harbor, app)
    return Prepared(targets, connection, credentials, options)


def _upstream_source(params: dict) -> CredentialSource:
    """The upstream registries' credentials: their own pair, else the auth file's entry for each host."""
    username, password = params.get('upstream_username'), params.get('upstream_password')
    if bool(username) != bool(password):
        raise OptionError('upstream_username and upstream_password (or PREWARM_UPSTREAM_USERNAME and '
                          'PREWARM_UPSTREAM_PASSWORD) go together: give both, or neither to use the auth file\'s entry '
                          'for the upstream host')
    return CredentialSource(username, password, params.get('auth_file'))


def _upstream_hosts(targets: list[Target], signatures: list[str]) -> list[str]:
    """The upstream registries referrers are listed at: each matched image's rule must name one (never guessed: a
    proxy project's upstream is Harbor's to know, and a guess could send a request to Docker Hub)."""
    if 'referrers' not in signatures:
        return []
    hosts = set()
    for target in targets:
        if target.match is None:
            continue
        upstream = target.match.upstream
        if upstream is None:
            raise OptionError('signatures includes referrers, but the rule that takes %s (rule %s) has no '
                              'replacement_upstream: give it the image\'s manifest URL at upstream, for example '
                              'https://quay.io/v2/$1/manifests/$2 (referrers are listed there, since Harbor\'s referrers API '
                              'never asks upstream), or drop referrers from signatures' % (target.image, target.rule_index))
        hosts.add(urlsplit(upstream.base).netloc)
    return sorted(hosts)


def run(prepared: Prepared, check_mode: bool = False, registries: dict | None = None) -> tuple[dict, list[dict]]:
    """Warm (or, in check mode, inspect) every prepared target: (the task's result, the failed images' results).

    ``registries``: a dict the caller keeps between calls, to reuse one client per Connection (its connections,
    the cache's auth challenge and flavour, its tokens); None makes a client for this call only.
    """
    registry = registries.get(prepared.connection) if registries is not None else None
    if registry is None:
        registry = Registry(prepared.credentials, prepared.connection)
        if registries is not None:
            registries[prepared.connection] = registry
    warmer = Warmer(registry, prepared.options, check_mode)
    try:
        results, summary = warmer.run(prepared.targets)
    finally:
        if registries is None:
            registry.close()
    result = dict(changed=any(entry['changed'] for entry in results), images=results, summary=summary)
    if warmer.warnings:
        result['warnings'] = list(warmer.warnings)
    return result, [entry for entry in results if entry['status'] == FAILED]


def populate(params: dict, check_mode: bool = False, registries: dict | None = None) -> tuple[dict, list[dict]]:
    """``prepare`` then ``run``: OptionError before anything is sent when an option cannot work."""
    return run(prepare(params), check_mode, registries)


def outcome(params: dict, check_mode: bool = False, registries: dict | None = None) -> dict:
    """The whole task result, as the module or the in-process action returns it.

    ``failed`` and ``msg`` are set when an option cannot work, or when an image failed and
    ``fail_on_error`` holds; ``warnings`` lists the failures otherwise.
    """
    try:
        result, failed = populate(params, check_mode, registries)
    except OptionError as exc:
        return dict(failed=True, msg=str(exc))
    warnings = result.pop('warnings', [])
    if failed and params['fail_on_error']:
        result.update(failed=True, msg=failure_message(failed, len(result['images'])))
    elif failed:
        warnings += [entry['msg'] for entry in failed]
    warnings += [entry['application_registry']['msg'] for entry in result['images']
                 if entry.get('application_registry') and not entry['application_registry']['present']]
    warnings += ['%s: its %s signature of %s was %s' % (entry['image'], signature['kind'], signature['subject'], signature['note'])
                 for entry in result['images'] for signature in entry.get('signatures') or () if signature['status'] == FAILED]
    if warnings:
        result['warnings'] = warnings
    return result


def _app_registry_options(given: dict, wait_for_commit: int) -> AppRegistryOptions:
    """The application_registry option, checked: credentials come in pairs, numbers are positive, and delivery has
    what it needs (replication credentials, and Harbor's commit to copy from)."""
    deliver = bool(given.get('deliver'))
    options = AppRegistryOptions(bool(given.get('verify')) or deliver, given.get('wait') or 0, given.get('username'),
                                 given.get('password'), deliver, given.get('policy'), given.get('scope') or 'narrow',
                                 given.get('deadline') or 0, given.get('replication_username'), given.get('replication_password'),
                                 _endpoints(given.get('endpoints') or {}))
    if deliver and not (options.replication_username and options.replication_password):
        raise OptionError('application_registry.deliver needs application_registry.replication_username and '
                          'replication_password (or PREWARM_REPLICATION_USERNAME / PREWARM_REPLICATION_PASSWORD): a Harbor '
                          'system robot with replication-policy list, read, create, delete and replication create, read, '
                          'list, not the pull robot, which Harbor refuses (replication is system scope)')
    if deliver and wait_for_commit < 1:
        raise OptionError('application_registry.deliver needs wait_for_commit (seconds, for example 600): replication '
                          'copies only what Harbor has committed, tag included')
    if deliver and options.deadline < 1:
        raise OptionError('application_registry.deadline must be at least 1 second, got %d' % options.deadline)
    if options.username and options.password is None:
        raise OptionError('application_registry.username was given without application_registry.password (or '
                          'PREWARM_APP_REGISTRY_PASSWORD): give both, or neither to use the auth file\'s entry for its host')
    if options.password and not options.username:
        raise OptionError('application_registry.password was given without application_registry.username (or '
                          'PREWARM_APP_REGISTRY_USERNAME; for ECR it is AWS)')
    if options.wait < 0:
        raise OptionError('application_registry.wait must be 0 (look once) or a number of seconds, got %d' % options.wait)
    return options


def _endpoints(given: dict) -> dict[str, str]:
    """application_registry.endpoints, checked: each a registry host as the references write it, to the base URL
    (scheme and host, no path) where this run reaches it."""
    endpoints = {}
    for host, url in given.items():
        parts = urlsplit(str(url))
        if not host or '/' in host or parts.scheme not in ('https', 'http') or not parts.netloc or parts.path.strip('/') \
                or parts.query:
            raise OptionError('application_registry.endpoints: %s: %s should map a registry host as the references '
                              'write it (for example 123456789012.dkr.ecr.eu-west-1.amazonaws.com) to a base URL with '
                              'scheme and host only (for example https://ecr-endpoint.example:443)' % (host, url))
        endpoints[host] = '%s://%s' % (parts.scheme, parts.netloc)
    return endpoints


def _check_deliverable(targets: list[Target], app: AppRegistryOptions) -> None:
    """Delivery copies to the registry an image's reference names, by tag: not to the cache it is warmed through,
    and not a reference with no tag to copy."""
    for target in targets:
        if target.match is None or not looked_for(target, app):
            continue
        if names_the_cache(target):
            raise OptionError('application_registry.deliver: %s names the cache itself (%s), so there is nothing to '
                              'deliver it to; give the references your Pods use (the application registry\'s), or set '
                              'application_registry: false on its rule' % (target.image, urlsplit(target.match.base_url).netloc))
        reference = parse_reference(target.image)
        if reference.digest and not reference.tag:
            raise OptionError('application_registry.deliver: %s is pinned by digest alone, and Harbor replicates by tag: '
                              'write the tag too (repository:tag@digest), or drop deliver for it (event-based '
                              'replication already pushes digests)' % target.image)


def _rules_and_jobs(params: dict) -> tuple[list, int]:
    if params.get('config_file'):
        config = load_config(params['config_file'])
        rules, file_jobs = config.rules, config.jobs
    else:
        rules, file_jobs = rules_from_options(params['proxy_caches'], option='proxy_caches'), None
    return rules, params.get('max_parallel_jobs') or file_jobs or DEFAULT_JOBS


def _check_numbers(params: dict) -> None:
    if params.get('max_parallel_jobs') is not None and params['max_parallel_jobs'] < 1:
        raise OptionError('max_parallel_jobs must be at least 1, got %d' % params['max_parallel_jobs'])
    if params['timeout'] < 1:
        raise OptionError('timeout must be at least 1 second, got %d' % params['timeout'])
    if params['retries'] < 0:
        raise OptionError('retries must be 0 or more, got %d' % params['retries'])
    if params['wait_for_commit'] < 0:
        raise OptionError('wait_for_commit must be 0 (do not wait) or a number of seconds, got %d' % params['wait_for_commit'])
    if params['harbor_check_interval'] <= 0:
        raise OptionError('harbor_check_interval must be more than 0 seconds (Harbor\'s is 20), got %s' % params['harbor_check_interval'])
