# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""The module's work, without AnsibleModule: options in, result dict out.

Every option is checked before the first request, so a configuration mistake fails the task
at once with a message naming the option; a problem with one image fails that image only.
"""

from __future__ import annotations

from ansible_collections.prewarm.harbor.plugins.module_utils._registry.credentials import CredentialSource
from ansible_collections.prewarm.harbor.plugins.module_utils._errors import OptionError
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.target import plan
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import parse_platforms
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.populator_config import load_config
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.rule import rules_from_options
from ansible_collections.prewarm.harbor.plugins.module_utils._result import FAILED
from ansible_collections.prewarm.harbor.plugins.module_utils._summary import failure_message
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.warmer import HarborOptions, Warmer

DEFAULT_JOBS = 2  # as in HarborProxyCachePopulator's example configuration


def populate(params, check_mode=False, registries=None):
    """Warm (or, in check mode, plan) every image; returns (result, failed image results). OptionError before
    anything is sent when an option cannot work.

    ``registries``: a dict the caller keeps between calls, to reuse one client per set of connection options (its
    connections, the cache's auth challenge and flavour, its tokens); None makes a client for this call only.
    """
    images = [params['image']] if params.get('image') is not None else list(params.get('images') or [])
    rules, jobs = _rules_and_jobs(params)
    platforms = parse_platforms(params['platforms']) if params.get('platforms') else None
    credentials = CredentialSource(params.get('username'), params.get('password'), params.get('auth_file'))
    _check_numbers(params)
    targets = plan(images, rules, platforms)
    options = dict(validate_certs=params['validate_certs'], ca_path=params.get('ca_path'), timeout=params['timeout'],
                   retries=params['retries'], pool_size=jobs, allow_plain_http_credentials=params['allow_plain_http_credentials'])
    key = (params.get('username'), params.get('password'), params.get('auth_file')) + tuple(sorted(options.items()))
    registry = registries.get(key) if registries is not None else None
    if registry is None:
        registry = Registry(credentials, **options)
        if registries is not None:
            registries[key] = registry
    try:
        harbor = HarborOptions(params['wait_for_commit'], params['complete_index'], params['harbor_check_interval'])
        warmer = Warmer(registry, jobs, params['cache_flavor'], check_mode, params['pull_blobs'], harbor)
        results, summary = warmer.run(targets)
    finally:
        if registries is None:
            registry.close()
    result = dict(changed=any(entry['changed'] for entry in results), images=results, summary=summary)
    return result, [entry for entry in results if entry['status'] == FAILED]


def outcome(params, check_mode=False, registries=None):
    """The whole task result, as the module or the in-process action returns it.

    ``failed`` and ``msg`` are set when an option cannot work, or when an image failed and
    ``fail_on_error`` holds; ``warnings`` lists the failures otherwise.
    """
    try:
        result, failed = populate(params, check_mode, registries)
    except OptionError as exc:
        return dict(failed=True, msg=str(exc))
    if failed and params['fail_on_error']:
        result.update(failed=True, msg=failure_message(failed, len(result['images'])))
    elif failed:
        result['warnings'] = [entry['msg'] for entry in failed]
    return result


def _rules_and_jobs(params):
    if params.get('config_file'):
        config = load_config(params['config_file'])
        rules, file_jobs = config.rules, config.jobs
    else:
        rules, file_jobs = rules_from_options(params['proxy_caches'], option='proxy_caches'), None
    return rules, params.get('max_parallel_jobs') or file_jobs or DEFAULT_JOBS


def _check_numbers(params):
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
