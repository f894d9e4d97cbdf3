# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: lane_application_registry
short_description: A lane's application_registry option, with its secrets from the controller's environment
version_added: 1.1.0
author: prewarm.harbor contributors (@prewarm-harbor)
description:
  - Takes a lane of the P(prewarm.harbor.warm_plan#filter) plan and returns the value of the module's
    O(prewarm.harbor.harbor_proxy_cache_populate#module:application_registry) option for its task, the credentials
    read from the controller's environment variables the cache names (C(username_env), C(password_env),
    C(replication_username_env), C(replication_password_env)), so that no secret is ever stored in a variable.
  - Used by the P(prewarm.harbor.prewarm#role) role's warm task, which runs with C(no_log) when it carries a secret.
options:
  _input:
    description: A lane of the plan (its C(options) and C(app_env)).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Warm a lane's images
  prewarm.harbor.harbor_proxy_cache_populate:
    image: "{{ item }}"
    application_registry: "{{ prewarm_lane | prewarm.harbor.lane_application_registry }}"
  loop: "{{ prewarm_lane.images }}"
'''

RETURN = r'''
_value:
  description: The option's value, secrets included.
  type: dict
'''

from collections.abc import Callable
from typing import Any

from ansible_collections.prewarm.harbor.plugins.plugin_utils._lanes import application_registry_args


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {'lane_application_registry': application_registry_args}
