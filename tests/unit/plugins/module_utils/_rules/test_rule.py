# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rules (_rules) and the manifest URLs they produce (_reference.parse_manifest_url)."""

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import ALL, Platform
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.reference import InvalidManifestURL, parse_manifest_url
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.rule import InvalidRule, RewriteError, Rule, match_rule, rules_from_options
from ansible_collections.prewarm.harbor.tests.unit.plugins.module_utils.rule_examples import (
    DIGEST, ECR, HARBOR, HEX, POPULATOR_ARCH, POPULATOR_OCI, POPULATOR_REGEX,
)


@pytest.mark.parametrize('url, expected', [
    ('https://harbor.registry.mine.io/v2/proxy_hub/library/alpine/manifests/3.16',
     ('https://harbor.registry.mine.io', 'proxy_hub/library/alpine', '3.16')),
    ('http://127.0.0.1:5000/v2/a/manifests/' + DIGEST, ('http://127.0.0.1:5000', 'a', DIGEST)),
    ('https://[::1]:8443/v2/proxy_hub/manifests/latest', ('https://[::1]:8443', 'proxy_hub', 'latest')),
    ('https://h/v2/a/manifests/b/manifests/c', ('https://h', 'a/manifests/b', 'c')),
])
def test_parse_manifest_url(url, expected):
    assert tuple(parse_manifest_url(url)) == expected


@pytest.mark.parametrize('url, message', [
    ('ftp://h/v2/a/manifests/1', 'is not a registry manifest URL'),
    ('harbor/v2/a/manifests/1', 'is not a registry manifest URL'),
    ('https://h/a/manifests/1', 'is not a registry manifest URL'),
    ('https://h/v2/a/blobs/' + DIGEST, 'is not a registry manifest URL'),
    ('https://h/v2/a/manifests/1?x=1', 'is not a registry manifest URL'),
    ('https://u:p@h/v2/a/manifests/1', 'contains credentials'),
    ('https://h/v2/Proxy/a/manifests/1', 'invalid repository "Proxy/a"'),
    ('https://h/v2/a@sha256/manifests/' + HEX, 'invalid repository "a@sha256"'),
    ('https://h/v2/a/manifests/sha256:abc', 'must be "algorithm:hex" with at least 32 hex digits'),
    ('https://h/v2/a/manifests/sha256:' + 'a' * 40, 'must have exactly 64 lowercase hex digits'),
    ('https://h/v2/a/manifests/-x', 'invalid tag "-x"'),
    ('https://h/v2/a/manifests/latest:3.16', 'invalid reference "latest:3.16" after /manifests/'),
])
def test_parse_manifest_url_rejects(url, message):
    with pytest.raises(InvalidManifestURL) as exc:
        parse_manifest_url(url)
    assert message in str(exc.value)
    assert url.replace('u:p@', '***@') in str(exc.value)  # credentials in a URL are never repeated


def example_rule(**overrides):
    data = {'regex_url': POPULATOR_REGEX, 'replacement_oci': POPULATOR_OCI}
    data.update(overrides)
    return Rule.from_dict(data, label='rules[0]')


def test_rule_applies_the_populator_example():
    result = example_rule(replacement_arch=POPULATOR_ARCH).apply(ECR + 'proxy_hub/library/alpine:3.16')
    assert result.manifest_url == HARBOR + 'proxy_hub/library/alpine/manifests/3.16'
    assert (result.base_url, result.repository, result.reference) == ('https://harbor.registry.mine.io', 'proxy_hub/library/alpine', '3.16')
    assert result.arch_url(DIGEST) == HARBOR + 'proxy_hub/library/alpine/manifests/' + DIGEST
    assert tuple(result.arch_location(DIGEST)) == ('https://harbor.registry.mine.io', 'proxy_hub/library/alpine', DIGEST)
    assert not result.index_only


def test_rule_no_match_is_none():
    assert example_rule().apply('docker.io/library/alpine:3.16') is None


@pytest.mark.parametrize('replacement_arch, expected_template, index_only', [
    (None, HARBOR + 'proxy_hub/library/alpine/manifests/ARCHDIGEST', False),  # derived from replacement_oci
    (POPULATOR_ARCH, HARBOR + 'proxy_hub/library/alpine/manifests/ARCHDIGEST', False),
    ('', None, True),  # HarborProxyCachePopulator's "index only"
])
def test_rule_replacement_arch(replacement_arch, expected_template, index_only):
    result = example_rule(replacement_arch=replacement_arch).apply(ECR + 'proxy_hub/library/alpine:3.16')
    assert result.arch_template == expected_template
    assert result.index_only is index_only


def test_rule_index_only_has_no_arch_url():
    result = example_rule(replacement_arch='').apply(ECR + 'proxy_hub/library/alpine:3.16')
    with pytest.raises(RewriteError):
        result.arch_url(DIGEST)


@pytest.mark.parametrize('platforms, target, expected', [
    (None, {}, (Platform('linux', 'amd64'),)),
    (None, {'target_os': 'linux', 'target_arch': 'aarch64'}, (Platform('linux', 'arm64'),)),
    (None, {'target_arch': 'arm', 'target_variant': 'v6'}, (Platform('linux', 'arm', 'v6'),)),
    (['linux/amd64', 'linux/arm64/v8'], {'target_arch': 's390x'}, (Platform('linux', 'amd64'), Platform('linux', 'arm64'))),
    (['all'], {}, (ALL,)),
])
def test_rule_platforms(platforms, target, expected):
    assert example_rule(platforms=platforms, **target).platforms == expected


@pytest.mark.parametrize('overrides, message', [
    ({'regex_url': None}, 'rules[0].regex_url: required'),
    ({'replacement_oci': ''}, 'rules[0].replacement_oci: required'),
    ({'regex_url': r'(a)\1'}, r'rules[0].regex_url: regular expression "(a)\1": backreference \1 is not supported'),
    ({'replacement_oci': 'https://h/v2/$1/$2/manifests/$4'}, 'rules[0].replacement_oci: "https://h/v2/$1/$2/manifests/$4": $4 refers to group 4'),
    ({'replacement_arch': 'https://h/v2/$1/$2/manifests/latest'}, 'rules[0].replacement_arch: "https://h/v2/$1/$2/manifests/latest" must end with ARCHDIGEST'),
    ({'replacement_arch': 'https://h/v2/$1x/manifests/ARCHDIGEST'}, 'write ${1}x to use group 1'),
    ({'replacement_oci': 'https://h/$1/$2/$3'}, 'has no "/manifests/", so replacement_arch cannot be derived'),
    ({'platforms': ['linux/sparc99']}, 'rules[0].platforms: invalid platform "linux/sparc99": unknown architecture'),
    ({'platforms': 'linux/amd64'}, 'rules[0].platforms: invalid platform list'),
    ({'target_arch': 'x86'}, 'rules[0].target_arch: "x86" is not an architecture Go knows'),
    ({'target_os': 'beos'}, 'rules[0].target_os: "beos" is not an operating system Go knows'),
    ({'target_os': 1}, 'rules[0].target_os: must be a string'),
    ({'regexURL': POPULATOR_REGEX}, 'rules[0]: unknown key "regexURL" (did you mean "regex_url"?)'),
    ({'replacement_ocl': 'x'}, 'rules[0]: unknown key "replacement_ocl" (did you mean "replacement_oci"?)'),
    ({'colour': 'x'}, 'rules[0]: unknown key "colour"; known keys: application_registry, platforms, regex_url,'),
])
def test_rule_rejects(overrides, message):
    with pytest.raises(InvalidRule) as exc:
        example_rule(**overrides)
    assert message in str(exc.value)


@pytest.mark.parametrize('image, message', [
    # HarborProxyCachePopulator's regex turns a digest reference into a repository "library/alpine@sha256".
    (ECR + 'proxy_hub/library/alpine@' + DIGEST, 'invalid repository "proxy_hub/library/alpine@sha256"'),
    (ECR + 'proxy_hub/library/Alpine:3.16', 'invalid repository "proxy_hub/library/Alpine"'),
])
def test_rule_apply_rejects_unusable_url(image, message):
    with pytest.raises(RewriteError) as exc:
        example_rule().apply(image)
    text = str(exc.value)
    assert message in text
    assert 'image "%s" matched rules[0] (regex_url "%s")' % (image, POPULATOR_REGEX) in text


def test_rule_apply_rejects_arch_url_without_trailing_digest():
    # The regex stops before the tag, so ReplaceAllString keeps "3.16" after the expansion (Go does the same).
    rule = Rule.from_dict({'regex_url': r'amazonaws\.com/(proxy_[^:/]+)/([^:]+):', 'replacement_oci': 'https://h/v2/$1/$2/manifests/latest',
                           'replacement_arch': 'https://h/v2/$1/$2/manifests/ARCHDIGEST'})
    with pytest.raises(RewriteError) as exc:
        rule.apply('amazonaws.com/proxy_hub/alpine:3.16')
    assert 'the platform manifest URL "https://h/v2/proxy_hub/alpine/manifests/ARCHDIGEST3.16" does not end with /manifests/ARCHDIGEST' \
        in str(exc.value)


def test_match_rule_first_match_wins():
    rules = rules_from_options([
        {'regex_url': r'^docker\.io/(.+):(.+)$', 'replacement_oci': 'https://a/v2/proxy_hub/$1/manifests/$2'},
        {'regex_url': POPULATOR_REGEX, 'replacement_oci': POPULATOR_OCI},
        {'regex_url': r'.*', 'replacement_oci': 'https://c/v2/x/manifests/latest'},
    ])
    index, rule, result = match_rule(rules, ECR + 'proxy_hub/library/alpine:3.16')
    assert (index, rule) == (1, rules[1])
    assert result.repository == 'proxy_hub/library/alpine'
    assert match_rule(rules[:2], 'quay.io/x:1') is None


@pytest.mark.parametrize('items', [None, [], 'rule', {'regex_url': 'a'}])
def test_rules_from_options_needs_a_list(items):
    with pytest.raises(InvalidRule) as exc:
        rules_from_options(items)
    assert 'rules must be a non-empty list' in str(exc.value)
