# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HarborProxyCachePopulator's configuration file (_populator_config), read unchanged."""

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import Platform
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.populator_config import FILE_KEYS, load_config, parse_config
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.rule import OPTION_KEYS, InvalidRule
from ansible_collections.prewarm.harbor.tests.unit.plugins.module_utils.rule_examples import (
    DIGEST, ECR, HARBOR, POPULATOR_ARCH, POPULATOR_OCI, POPULATOR_REGEX,
)


POPULATOR_YAML = '''maxNumberOfParallelJobs: 2
proxyCaches:
- regexURL: "^.*amazonaws.com/(proxy_[^:/]+)/([^:]+):(.+$)"
  replacementOCI: "https://harbor.registry.mine.io/v2/$1/$2/manifests/$3"
  replacementArch: "https://harbor.registry.mine.io/v2/$1/$2/manifests/ARCHDIGEST"
  targetArch: "amd64"
  targetOS: "linux"
'''


def write(tmp_path, text):
    path = tmp_path / 'populator.yaml'
    path.write_text(text)
    return str(path)


def test_load_config_reads_the_populator_example(tmp_path):
    config = load_config(write(tmp_path, POPULATOR_YAML))
    rules, jobs = config.rules, config.jobs
    assert jobs == 2
    assert config.proxy_caches == [{'regex_url': POPULATOR_REGEX, 'replacement_oci': POPULATOR_OCI, 'replacement_arch': POPULATOR_ARCH,
                                    'target_arch': 'amd64', 'target_os': 'linux'}]
    assert len(rules) == 1
    assert rules[0].platforms == (Platform('linux', 'amd64'),)
    result = rules[0].apply(ECR + 'proxy_hub/library/alpine:3.16')
    assert result.manifest_url == HARBOR + 'proxy_hub/library/alpine/manifests/3.16'
    assert result.arch_url(DIGEST) == HARBOR + 'proxy_hub/library/alpine/manifests/' + DIGEST


def test_load_config_extensions_and_defaults(tmp_path):
    text = '''proxyCaches:
- regexURL: "^.*amazonaws.com/(proxy_[^:/]+)/([^:]+):(.+$)"
  replacementOCI: "https://harbor.registry.mine.io/v2/$1/$2/manifests/$3"
  replacementArch: ""
  targetArch: arm
  targetVariant: v6
- regexURL: "^ghcr.io/(.+):(.+)$"
  replacementOCI: "https://harbor.registry.mine.io/v2/proxy_ghcr/$1/manifests/$2"
  platforms: [linux/amd64, linux/arm64]
'''
    config = load_config(write(tmp_path, text))
    rules, jobs = config.rules, config.jobs
    assert jobs is None  # not set: the caller picks its default
    assert rules[0].platforms == (Platform('linux', 'arm', 'v6'),)
    assert rules[0].replacement_arch is None
    assert rules[1].platforms == (Platform('linux', 'amd64'), Platform('linux', 'arm64'))
    assert rules[1].replacement_arch == 'https://harbor.registry.mine.io/v2/proxy_ghcr/$1/manifests/ARCHDIGEST'


@pytest.mark.parametrize('text, message', [
    ('maxNumberOfParallelJobs: 0\n' + POPULATOR_YAML.split('\n', 1)[1], 'maxNumberOfParallelJobs must be a whole number of at least 1, got 0'),
    ('maxNumberOfParallelJobs: -3\n' + POPULATOR_YAML.split('\n', 1)[1], 'got -3'),
    ('maxNumberOfParallelJobs: "2"\n' + POPULATOR_YAML.split('\n', 1)[1], "got '2'"),
    ('maxNumberOfParallelJobs: true\n' + POPULATOR_YAML.split('\n', 1)[1], 'got True'),
    ('maxNumberOfParallelJobs: 2\n', 'proxyCaches must be a non-empty list'),
    ('maxNumberOfParallelJobs: 2\nproxyCaches: []\n', 'proxyCaches must be a non-empty list'),
    ('- a\n- b\n', 'expected a mapping with maxNumberOfParallelJobs and proxyCaches at the top level'),
    ('', 'expected a mapping'),
    ('maxNumberOfParalelJobs: 2\n', 'unknown key "maxNumberOfParalelJobs" (did you mean "maxNumberOfParallelJobs"?)'),
    (POPULATOR_YAML.replace('regexURL', 'regexUrl'), 'proxyCaches[0]: unknown key "regexUrl" (did you mean "regexURL"?)'),
    (POPULATOR_YAML.replace('targetOS', 'targetOs'), 'proxyCaches[0]: unknown key "targetOs" (did you mean "targetOS"?)'),
    (POPULATOR_YAML.replace('targetArch: "amd64"', 'targetArch: "amd46"'), 'proxyCaches[0].targetArch: "amd46" is not an architecture'),
    (POPULATOR_YAML.replace('(.+$)', r'(.+$)\\1'), r'proxyCaches[0].regexURL: regular expression'),
    (POPULATOR_YAML.replace('manifests/ARCHDIGEST', 'manifests/$4'), 'proxyCaches[0].replacementArch: '),
    ('maxNumberOfParallelJobs: 2\nproxyCaches:\n- just a string\n', 'proxyCaches[0] must be a mapping with regexURL, replacementOCI'),
    ('proxyCaches: [\n', 'is not valid YAML'),
])
def test_load_config_rejects(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(InvalidRule) as exc:
        load_config(path)
    assert message in str(exc.value)
    assert path in str(exc.value)


def test_load_config_missing_file(tmp_path):
    path = str(tmp_path / 'nope.yaml')
    with pytest.raises(InvalidRule) as exc:
        load_config(path)
    assert 'cannot read the HarborProxyCachePopulator configuration "%s"' % path in str(exc.value)


def test_parse_config_takes_parsed_data():
    config = parse_config({'maxNumberOfParallelJobs': 4, 'proxyCaches': [{'regexURL': POPULATOR_REGEX, 'replacementOCI': POPULATOR_OCI}]})
    assert (len(config.rules), config.jobs) == (1, 4)


def test_every_rule_option_has_its_key_in_the_file():
    assert set(FILE_KEYS) == set(OPTION_KEYS)
