# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""The module's options, shared by the module and the action plugin that runs it in-process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import OptionError

RULE_OPTIONS: dict[str, dict[str, Any]] = dict(
    regex_url=dict(type='str', required=True),
    replacement_oci=dict(type='str', required=True),
    replacement_arch=dict(type='str'),
    target_os=dict(type='str', default='linux'),
    target_arch=dict(type='str', default='amd64'),
    target_variant=dict(type='str'),
    platforms=dict(type='list', elements='str'),
    application_registry=dict(type='bool'),
    replacement_upstream=dict(type='str'),
)

ARGUMENT_SPEC: dict[str, dict[str, Any]] = dict(
    image=dict(type='str'),
    images=dict(type='list', elements='str'),
    proxy_caches=dict(type='list', elements='dict', options=RULE_OPTIONS),
    config_file=dict(type='path'),
    platforms=dict(type='list', elements='str'),
    username=dict(type='str', fallback=(env_fallback, ['HARBOR_USERNAME', 'hUSER'])),
    password=dict(type='str', no_log=True, fallback=(env_fallback, ['HARBOR_PASSWORD', 'hPW'])),
    auth_file=dict(type='path'),
    allow_plain_http_credentials=dict(type='bool', default=False),
    pull_blobs=dict(type='bool', default=True),
    max_parallel_jobs=dict(type='int'),
    cache_flavor=dict(type='str', default='auto', choices=['auto', 'harbor', 'distribution']),
    wait_for_commit=dict(type='int', default=0),
    complete_index=dict(type='bool', default=False),
    trigger_blobs=dict(type='bool', default=True),
    harbor_check_interval=dict(type='float', default=20.0),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
    timeout=dict(type='int', default=60),
    retries=dict(type='int', default=3),
    fail_on_error=dict(type='bool', default=True),
    signatures=dict(type='list', elements='str', default=['sig'], choices=['sig', 'att', 'referrers']),
    upstream_username=dict(type='str', fallback=(env_fallback, ['PREWARM_UPSTREAM_USERNAME'])),
    upstream_password=dict(type='str', no_log=True, fallback=(env_fallback, ['PREWARM_UPSTREAM_PASSWORD'])),
    application_registry=dict(type='dict', options=dict(
        verify=dict(type='bool', default=False),
        wait=dict(type='int', default=0),
        username=dict(type='str', fallback=(env_fallback, ['PREWARM_APP_REGISTRY_USERNAME'])),
        password=dict(type='str', no_log=True, fallback=(env_fallback, ['PREWARM_APP_REGISTRY_PASSWORD'])),
        deliver=dict(type='bool', default=False),
        policy=dict(type='str'),
        scope=dict(type='str', default='narrow', choices=['narrow', 'policy']),
        deadline=dict(type='int', default=600),
        replication_username=dict(type='str', fallback=(env_fallback, ['PREWARM_REPLICATION_USERNAME'])),
        replication_password=dict(type='str', no_log=True, fallback=(env_fallback, ['PREWARM_REPLICATION_PASSWORD'])),
        endpoints=dict(type='dict', default={}),
    )),
)

# The options a cache of the companion playbook (prewarm_caches) does not set as it sets the others, each for its
# reason. Every other option is per cache (PER_CACHE): an entry may set it, else the play-wide prewarm_<option>
# applies; so an option added to ARGUMENT_SPEC is per cache unless named here, and the role's argument spec is held
# to PER_CACHE by a unit test.
NOT_PER_CACHE = frozenset((
    'image', 'images',  # the lane's images, one per loop item
    'proxy_caches', 'config_file',  # the entry's rules, its own way (a config_file is read on the controller)
    'username', 'password',  # by the controller's environment variables the entry names (username_env, password_env)
    'upstream_username', 'upstream_password',  # per upstream host: the auth file, or PREWARM_UPSTREAM_* where the warm runs
    'allow_plain_http_credentials',  # the playbook sends no credentials over plain http off loopback
    'max_parallel_jobs',  # a lane warms one image at a time; the entry's parallel is how many lanes
    'fail_on_error',  # the summary judges, after every image (prewarm_fail_on_error)
    'application_registry',  # its own way: prewarm_caches[].application_registry names its secrets' variables
))
PER_CACHE = tuple(name for name in ARGUMENT_SPEC if name not in NOT_PER_CACHE)

# Keyword arguments of AnsibleModule and of ArgumentSpecValidator alike.
SPEC: dict[str, Any] = dict(
    argument_spec=ARGUMENT_SPEC,
    mutually_exclusive=[('image', 'images'), ('proxy_caches', 'config_file')],
    required_one_of=[('image', 'images'), ('proxy_caches', 'config_file')],
)


def validate(args: Mapping[str, Any], action: str = 'prewarm.harbor.harbor_proxy_cache_populate') -> tuple[dict[str, Any], set[str]]:
    """``args`` checked and completed as AnsibleModule would: (parameters, the values to mask as no_log).

    Raises OptionError with AnsibleModule's message; for callers that run the module's code without it.
    """
    validated = ArgumentSpecValidator(**SPEC).validate(dict(args))
    if validated.error_messages:
        msg = validated.errors.msg
        if isinstance(validated.errors[0], UnsupportedError):
            msg = 'Unsupported parameters for (%s) module: %s' % (action, msg)
        raise OptionError(msg)
    return validated.validated_parameters, validated._no_log_values  # pylint: disable=protected-access
