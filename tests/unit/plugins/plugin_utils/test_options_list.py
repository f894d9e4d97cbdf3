# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One list of options, the module's argument spec: what a cache may set is derived from it, and the role's argument
spec, its settings and the warm_plan filter's documentation are held to it, so that none of them drifts from it."""

from __future__ import annotations

import os
import re

import pytest
import yaml

from ansible_collections.prewarm.harbor.plugins.filter.warm_plan import DOCUMENTATION
from ansible_collections.prewarm.harbor.plugins.module_utils._argspec import ARGUMENT_SPEC, NOT_PER_CACHE, PER_CACHE
from ansible_collections.prewarm.harbor.plugins.plugin_utils import _lanes

ROLE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'prewarm')
# The module options a cache entry gives its own way (its rules; its application registry, whose secrets it names by
# environment variable), not as an override of a play-wide variable.
ENTRY_OWN = ('proxy_caches', 'config_file', 'application_registry')


def _load(*path):
    with open(os.path.join(ROLE, *path), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


SPEC = _load('meta', 'argument_specs.yml')['argument_specs']['main']['options']
DEFAULTS = _load('defaults', 'main.yml')
CACHE = SPEC['prewarm_caches']['options']
PLAY_WIDE = {name[len('prewarm_'):]: spec for name, spec in SPEC.items() if name[len('prewarm_'):] in ARGUMENT_SPEC}


def _shape(spec):
    return dict(type=spec.get('type', 'str'), choices=spec.get('choices'), elements=spec.get('elements'))


def test_what_a_cache_may_not_set_names_options_of_the_module():
    """A misspelt name would leave the option it meant per cache."""
    assert NOT_PER_CACHE <= set(ARGUMENT_SPEC)
    assert set(PER_CACHE) == set(ARGUMENT_SPEC) - NOT_PER_CACHE


def test_the_lanes_take_what_a_cache_may_set_from_the_module():
    assert set(_lanes._SHARED) | set(_lanes._PATHS) == set(PER_CACHE)  # pylint: disable=protected-access
    assert set(_lanes._PATHS) == {key for key in PER_CACHE if ARGUMENT_SPEC[key]['type'] == 'path'}  # pylint: disable=protected-access


@pytest.mark.parametrize('option', PER_CACHE)
def test_a_cache_may_set_each_per_cache_option_as_the_module_takes_it_else_the_play_wide_one(option):
    assert option in CACHE, 'prewarm_caches has no suboption %s: the role refuses what warm_plan takes' % option
    assert _shape(CACHE[option]) == _shape(ARGUMENT_SPEC[option])
    assert 'default' not in CACHE[option], 'unset, a cache takes prewarm_%s' % option
    assert option in PLAY_WIDE, 'no prewarm_%s for a cache that does not set %s' % (option, option)


def test_a_cache_sets_no_module_option_the_lanes_do_not_take():
    assert {key for key in CACHE if key in ARGUMENT_SPEC} == set(PER_CACHE) | set(ENTRY_OWN)
    for key in ENTRY_OWN:
        assert _shape(CACHE[key]) == _shape(ARGUMENT_SPEC[key]), key


@pytest.mark.parametrize('option', sorted(PLAY_WIDE))
def test_a_play_wide_variable_is_typed_and_defaults_as_the_module_option(option):
    assert _shape(PLAY_WIDE[option]) == _shape(ARGUMENT_SPEC[option])
    if 'default' in ARGUMENT_SPEC[option]:
        assert PLAY_WIDE[option]['default'] == DEFAULTS['prewarm_' + option] == ARGUMENT_SPEC[option]['default']


def test_the_settings_carry_every_play_wide_variable_a_cache_falls_back_to():
    """warm_plan reads a cache's fallbacks from its settings: the role passes each, and the filter says so."""
    planning = [task for task in _load('tasks', 'main.yml') if 'prewarm.harbor.warm_plan' in str(task)][0]
    settings = planning['vars']['_prewarm_settings']
    documented = yaml.safe_load(DOCUMENTATION)['options']['settings']['description']
    for option in PER_CACHE:
        assert re.fullmatch(r'\{\{ prewarm_%s \}\}' % option, settings.get(option, '')), option
        assert 'C(%s)' % option in ' '.join(documented), option
