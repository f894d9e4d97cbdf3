# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""HarborProxyCachePopulator's YAML configuration file, read unchanged: its rules and its parallelism."""

from __future__ import annotations

from typing import Any

from ansible_collections.prewarm.harbor.plugins.module_utils._rules.rule import InvalidRule, Rule, did_you_mean

# A rule's module option name -> its key in the file.
FILE_KEYS = {
    'regex_url': 'regexURL',
    'replacement_oci': 'replacementOCI',
    'replacement_arch': 'replacementArch',
    'target_os': 'targetOS',
    'target_arch': 'targetArch',
    'target_variant': 'targetVariant',
    'platforms': 'platforms',
    'application_registry': 'applicationRegistry',  # ours: the Go plugin has no such key, and never needs one
    'replacement_upstream': 'replacementUpstream',  # ours too: where referrers are listed (signatures: referrers)
}
_TOP_KEYS = ('maxNumberOfParallelJobs', 'proxyCaches')


class PopulatorConfig:
    """``rules`` (Rule objects), the same rules as module options (``proxy_caches``), and ``jobs``: the file's
    maxNumberOfParallelJobs, None when it does not set it (HarborProxyCachePopulator would then start no worker)."""

    def __init__(self, rules: list[Rule], proxy_caches: list[dict[str, Any]], jobs: int | None) -> None:
        self.rules = rules
        self.proxy_caches = proxy_caches
        self.jobs = jobs


def parse_config(data: Any, source: str = 'the HarborProxyCachePopulator configuration') -> PopulatorConfig:
    """A PopulatorConfig from an already parsed file; InvalidRule names the key and the fix."""
    where = '%s:' % source
    if not isinstance(data, dict):
        raise InvalidRule('%s expected a mapping with %s at the top level' % (where, ' and '.join(_TOP_KEYS)))
    for key in data:
        if key not in _TOP_KEYS:
            raise InvalidRule('%s unknown key "%s"%s' % (where, key, did_you_mean(str(key), _TOP_KEYS)))
    jobs = data.get('maxNumberOfParallelJobs')
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise InvalidRule('%s maxNumberOfParallelJobs must be a whole number of at least 1, got %r' % (where, jobs))
    caches = data.get('proxyCaches')
    if not isinstance(caches, list) or not caches:
        raise InvalidRule('%s proxyCaches must be a non-empty list of rules (regexURL, replacementOCI, ...)' % where)
    rules = [Rule.from_dict(item, label='%s proxyCaches[%d]' % (where, index), keys=FILE_KEYS)
             for index, item in enumerate(caches)]
    option_for = {shown: option for option, shown in FILE_KEYS.items()}
    return PopulatorConfig(rules, [{option_for[key]: value for key, value in item.items()} for item in caches], jobs)


def load_config(path: str) -> PopulatorConfig:
    """Read the file at ``path``: a PopulatorConfig.

    PyYAML is imported here, not at module import, so the rest of the module needs only the standard library.
    """
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise InvalidRule('reading the HarborProxyCachePopulator configuration "%s" needs the PyYAML library '
                          '(pip install PyYAML) on the host that runs the module' % path) from exc
    try:
        with open(path, encoding='utf-8') as handle:
            data = yaml.safe_load(handle)
    except OSError as exc:
        raise InvalidRule('cannot read the HarborProxyCachePopulator configuration "%s": %s' % (path, exc)) from exc
    except yaml.YAMLError as exc:
        raise InvalidRule('the HarborProxyCachePopulator configuration "%s" is not valid YAML: %s' % (path, exc)) from exc
    return parse_config(data, source='HarborProxyCachePopulator configuration "%s"' % path)
