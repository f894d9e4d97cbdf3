# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: warm_plan
short_description: Plan a warm over several proxy caches, as the prewarm role does
version_added: 1.0.0
author: prewarm.harbor contributors (@prewarm-harbor)
description:
  - Takes the sources of a release (the P(prewarm.harbor.release_images#lookup) lookup's entries), matches every
    image to the rules of every cache (the module's own option checks and rule matching, which send no request and
    start no thread), and spreads each cache's images over lanes, at most the C(parallel) of O(settings) lanes in all.
  - Used by the P(prewarm.harbor.prewarm#role) role; see its documentation for the cache entries.
options:
  _input:
    description: The release's sources, each a dictionary with C(source) and C(images).
    type: list
    elements: dict
    required: true
  caches:
    description: The role's C(prewarm_caches); empty means one cache made of the single-cache variables.
    type: list
    elements: dict
    required: true
  settings:
    description:
      - The play-wide settings, keyed like the module's options (C(proxy_caches), C(config_file), C(platforms),
        C(username), C(password), C(auth_file), C(ca_path), C(cache_flavor), C(validate_certs), C(pull_blobs),
        C(timeout), C(retries), C(wait_for_commit), C(complete_index), C(trigger_blobs), C(harbor_check_interval),
        C(signatures), C(application_registry)), plus C(parallel),
        C(forks), C(report), C(cwd) and C(inventory_hosts) (the hosts a runner may be).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Plan the lanes
  ansible.builtin.set_fact:
    plan: "{{ query('prewarm.harbor.release_images', images=images) | prewarm.harbor.warm_plan([], settings) }}"
  vars:
    settings: {proxy_caches: "{{ rules }}", parallel: 2, forks: 5, cwd: "{{ '.' | ansible.builtin.realpath }}"}
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    lanes:
      description: One entry per lane (C(name), C(cache), C(images), C(options) for the module, C(runner)).
      type: list
      elements: dict
    settled:
      description: Results of the images no lane warms (unmatched, or refused by the reference grammar).
      type: list
      elements: dict
    caches:
      description: The caches' names, in order.
      type: list
      elements: str
    parallel:
      description: The overall limit.
      type: int
    sources:
      description: Where the images came from.
      type: list
      elements: str
    report:
      description: The absolute path of the JSON report, or empty.
      type: str
    started:
      description: When the plan was made (seconds since the epoch), for the summary's duration.
      type: float
'''

from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleError, AnsibleFilterError

from ansible_collections.prewarm.harbor.plugins.plugin_utils._lanes import plan

SINGLE_CACHE = 'default'


def warm_plan(release: list[dict[str, Any]], caches: list[dict[str, Any]], settings: dict[str, Any]) -> dict[str, Any]:
    try:
        if caches and (settings.get('username') or settings.get('password')):
            raise AnsibleError('prewarm_username and prewarm_password belong to the single cache: with prewarm_caches, '
                               'give each cache username_env and password_env (or an auth_file) instead')
        return plan(list(release), list(caches) or [_single_cache(settings)], settings)
    except AnsibleError as exc:
        raise AnsibleFilterError(exc.message) from exc


def _single_cache(settings: dict[str, Any]) -> dict[str, Any]:
    """The cache the single-cache variables describe (prewarm_proxy_caches or prewarm_config_file, ...)."""
    if bool(settings.get('proxy_caches')) == bool(settings.get('config_file')):
        raise AnsibleError('set exactly one of prewarm_proxy_caches (a list of rules) and prewarm_config_file (the '
                           'HarborProxyCachePopulator configuration file), or list caches in prewarm_caches')
    keys = ('proxy_caches', 'config_file', 'username', 'password')
    return dict({key: settings.get(key) for key in keys}, name=SINGLE_CACHE)


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {'warm_plan': warm_plan}
