# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._platform import ALL, Platform
from ansible_collections.prewarm.harbor.plugins.module_utils._rewrite import (
    InvalidRule, RewriteError, Rule, expand, load_seed_config, match_rule, parse_manifest_url, parse_seed_config,
    replace_all, rules_from_options, template_problems, translate_go_regex,
)

SEED_REGEX = r'^.*amazonaws.com/(proxy_[^:/]+)/([^:]+):(.+$)'
SEED_OCI = 'https://harbor.registry.mine.io/v2/$1/$2/manifests/$3'
SEED_ARCH = 'https://harbor.registry.mine.io/v2/$1/$2/manifests/ARCHDIGEST'
HARBOR = 'https://harbor.registry.mine.io/v2/'
ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/'
HEX = 'a' * 64
DIGEST = 'sha256:' + HEX
NAMED = r'^(?P<host>[^/]+)/(?P<project>proxy_[a-z]+)/(?P<repo>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>.+))?$'
NAMED_OCI = 'https://h.io/v2/${project}/${repo}/manifests/$tag$digest'

# (Go pattern, template, input, regexp.MatchString, regexp.ReplaceAllString).
# Every expected value below was produced by Go 1.19.8 (Debian golang-go) running a throwaway program
# outside this repository over exactly these inputs, and pasted here as literals.
GO_PARITY = [
    # The seed's own rule and ECR-style references.
    (SEED_REGEX, SEED_OCI, ECR + 'proxy_hub/library/alpine:3.16', True, HARBOR + 'proxy_hub/library/alpine/manifests/3.16'),
    (SEED_REGEX, SEED_ARCH, ECR + 'proxy_hub/library/alpine:3.16', True, HARBOR + 'proxy_hub/library/alpine/manifests/ARCHDIGEST'),
    (SEED_REGEX, SEED_OCI, ECR + 'proxy_quay/coreos/etcd:v3.5.0', True, HARBOR + 'proxy_quay/coreos/etcd/manifests/v3.5.0'),
    (SEED_REGEX, SEED_OCI, ECR + 'proxy_hub/library/alpine@' + DIGEST, True, HARBOR + 'proxy_hub/library/alpine@sha256/manifests/' + HEX),
    (SEED_REGEX, SEED_OCI, ECR + 'proxy_hub/library/alpine:3.16@' + DIGEST, True, HARBOR + 'proxy_hub/library/alpine/manifests/3.16@' + DIGEST),
    (SEED_REGEX, SEED_OCI, 'docker.io/library/alpine:3.16', False, 'docker.io/library/alpine:3.16'),
    (SEED_REGEX, SEED_OCI, ECR + 'proxy_hub/library/alpine', False, ECR + 'proxy_hub/library/alpine'),
    (SEED_REGEX, SEED_OCI, ECR + 'proxy_hub/library/alpine:3.16\n', False, ECR + 'proxy_hub/library/alpine:3.16\n'),
    (SEED_REGEX, SEED_OCI, ECR + 'other/library/alpine:3.16', False, ECR + 'other/library/alpine:3.16'),
    (r'amazonaws\.com/(proxy_[^:/]+)/', 'harbor.mine.io/$1/', ECR + 'proxy_hub/library/alpine:3.16', True,
     '123456789012.dkr.ecr.eu-west-1.harbor.mine.io/proxy_hub/library/alpine:3.16'),
    (NAMED, NAMED_OCI, ECR + 'proxy_hub/library/alpine:3.16', True, 'https://h.io/v2/proxy_hub/library/alpine/manifests/3.16'),
    (NAMED, NAMED_OCI, ECR + 'proxy_hub/library/alpine@' + DIGEST, True, 'https://h.io/v2/proxy_hub/library/alpine/manifests/' + DIGEST),
    # Expand corner cases, ReplaceAllString's walk over empty matches, and translation details.
    ('(a)(b)', '[$1x]', 'ab', True, '[]'),
    ('(a)(b)', '[${1}x]', 'ab', True, '[ax]'),
    ('(a)(b)', '[$$1]', 'ab', True, '[$1]'),
    ('(a)(b)', '[$]', 'ab', True, '[$]'),
    ('(a)(b)', '$', 'ab', True, '$'),
    ('(a)(b)', '[${1]', 'ab', True, '[${1]'),
    ('(a)(b)', '[${}]', 'ab', True, '[${}]'),
    ('(a)(b)', '[$-1]', 'ab', True, '[$-1]'),
    ('(a)(b)', '[$0]', 'ab', True, '[ab]'),
    ('(a)(b)', '[$01]', 'ab', True, '[]'),
    ('(a)(b)', '[$00]', 'ab', True, '[]'),
    ('(a)(b)', '[$3]', 'ab', True, '[]'),
    ('(a)(b)', '[$10]', 'ab', True, '[]'),
    ('(a)(b)', '[$2$1]', 'ab', True, '[ba]'),
    ('(a)(b)', '[$1.$2]', 'ab', True, '[a.b]'),
    ('(a)(b)', '[$1$$]', 'ab', True, '[a$]'),
    ('(a)(b)', '[$\xe9]', 'ab', True, '[]'),
    ('(a)(b)', '[${1}${2}]', 'ab', True, '[ab]'),
    ('(a)(b)', '[$1234567890]', 'ab', True, '[]'),
    ('(?P<first>a)(?P<second>b)', '[$second$first]', 'ab', True, '[ba]'),
    ('(?P<first>a)(?P<second>b)', '[${first}_]', 'ab', True, '[a_]'),
    ('(?P<first>a)(?P<second>b)', '[$first_]', 'ab', True, '[]'),
    ('(?P<1x>a)(b)', '[$1x|$2]', 'ab', True, '[a|b]'),
    ('(?P<a>x)?(?P<a>y)', '[$a]', 'y', True, '[y]'),
    ('(?P<a>x)?(?P<a>y)', '[$a]', 'xy', True, '[x]'),
    ('(a)|(b)', '[$1|$2]', 'b', True, '[|b]'),
    ('(a)?b', '[$1]', 'b', True, '[]'),
    ('x*', '-', 'abxd', True, '-a-b-d-'),
    ('x*', '-', 'xxx', True, '-'),
    ('a*', '-', 'baaac', True, '-b-c-'),
    ('', '-', 'abc', True, '-a-b-c-'),
    ('b*', '-', '', True, '-'),
    ('a?', '-', 'ab', True, '-b-'),
    ('a', '-', 'banana', True, 'b-n-n-'),
    ('(?m)^', '-', 'a\nb\n', True, '-a\n-b\n-'),
    ('$', '-', 'a\n', True, 'a\n-'),
    ('(?m)$', '-', 'a\nb', True, 'a-\nb-'),
    ('^b', '-', 'bb', True, '-b'),
    (r'\Ab', '-', 'bb', True, '-b'),
    (r'b\z', '-', 'bb\n', False, 'bb\n'),
    ('.', '<$0>', '\u65e5\u672c', True, '<\u65e5><\u672c>'),
    (r'(\w+)@(\w+)\.com', '$2 at $1', 'bob@example.com, joe@test.com', True, 'example at bob, test at joe'),
    (r'\bfoo\b', '-', 'foo.foo_foo \xe9foo', True, '-.foo_foo \xe9-'),
    (r'\Bo', '-', 'foo \xe9o', True, 'f-- \xe9o'),
    (r'\d+', '-', '\u0661\u06623', True, '\u0661\u0662-'),
    (r'\s', '-', 'a\x0bb\tc d', True, 'a\x0bb-c-d'),
    (r'\S+', '-', 'a\x0bb c', True, '- -'),
    (r'\W', '-', 'a\xe9_', True, 'a-_'),
    ('[[:alpha:]]+', '-', 'abc123\xe9', True, '-123\xe9'),
    ('[^[:digit:]]+', '-', 'abc123', True, '-123'),
    ('[[:^alpha:][:digit:]]+', '-', 'ab12.-c', True, 'ab-c'),
    (r'[\d\-]+', '-', '12-3a', True, '-a'),
    ('[]a]+', '-', 'x]a]y', True, 'x-y'),
    ('[^]a]+', '-', 'x]a]y', True, '-]a]-'),
    ('[a-]+', '-', 'b-a-c', True, 'b-c'),
    ('(?i)AbC', '-', 'xabcXABC', True, 'x-X-'),
    ('a(?i)b|c', '-', 'aB C c ab', True, '- - - -'),
    ('(?i:a)b', '-', 'Ab AB ab', True, '- AB -'),
    ('(?i)a(?-i)b', '-', 'Ab AB ab', True, '- AB -'),
    ('(?i)[a-c]+', '-', 'xABCabcx', True, 'x-x'),
    ('(?i)[^a]', '-', 'aAb', True, 'aA-'),
    ('(?s).', '-', 'a\nb', True, '---'),
    ('.', '-', 'a\nb', True, '-\n-'),
    ('(?s:.)x.', '-', '\nx\n\nxa', True, '\nx\n-'),
    ('(?U)a+', '-', 'aaa', True, '---'),
    ('(?U)a+?', '-', 'aaa', True, '-'),
    ('(?U)(a*)(a*)', '[$1|$2]', 'aa', True, '[|]a[|]a[|]'),
    (r'\Qa.b\E+', '-', 'a.bbb a.b axb', True, '- - axb'),
    (r'\Qa.b', '-', 'a.b axb', True, '- axb'),
    ('a{,3}', '-', 'a{,3} aaa', True, '- aaa'),
    ('a{01}', '-', 'a{01} a', True, '- a'),
    ('a{2}', '-', 'aaaaa', True, '--a'),
    ('a{2,}', '-', 'a aa aaa', True, 'a - -'),
    ('a{1,2}?', '-', 'aaa', True, '---'),
    ('x{', '-', 'x{', True, '-'),
    (r'\x41\x{42}\101\0', '-', 'ABA\x00', True, '-'),
    (r'\12', '-', 'a\nb', True, 'a-b'),
    ('(a*)*', '[$1]', 'b', True, '[]b[]'),
    ('(a*)+', '[$1]', 'b', True, '[]b[]'),
    ('(a|ab)(c|bcd)(d*)', '[$1,$2,$3]', 'abcd', True, '[a,bcd,]'),
    ('(a+)(b+)?', '[$1|$2]', 'aab ac', True, '[aa|b] [a|]c'),
    ('^*a', '-', 'aa', True, '--'),
    ('$*a', '-', 'aa', True, '--'),
    (r'\A*a', '-', 'aa', True, '--'),
    (r'\_\@\-', '-', '_@-', True, '-'),
    ('a.c', '-', 'abc a\nc', True, '- a\nc'),
    ('(?i)k', '-', 'kK\u212a', True, '---'),
    ('(?P<1x>a)', '[$1x]', 'a', True, '[a]'),
    (r'[\x{10FFFF}]', '-', '\U0010ffff', True, '-'),
    ('(?:)', '-', 'ab', True, '-a-b-'),
    ('()', '[$1]', 'ab', True, '[]a[]b[]'),
    ('a|', '-', 'ab', True, '-b-'),
    ('|a', '-', 'ab', True, '-a-b-'),
    ('(?m)^$', '-', 'a\n\nb\n', True, 'a\n-\nb\n-'),
    ('^$', '-', '', True, '-'),
    ('(?i)\u01c5', '-', '\u01c6\u01c4\u01c5', True, '---'),
]


@pytest.mark.parametrize('pattern, template, src, matched, expected', GO_PARITY)
def test_go_parity(pattern, template, src, matched, expected):
    regex = translate_go_regex(pattern)
    assert regex.match_string(src) is matched
    assert replace_all(regex, src, template) == expected


@pytest.mark.parametrize('pattern, names', [
    (SEED_REGEX, ('', '', '', '')),
    (r'(?P<a>x)(?<b>y)(z)(?:w)', ('', 'a', 'b', '')),  # (?<name>) is Go 1.22+ syntax
    (r'(?P<a>x)(?P<a>y)', ('', 'a', 'a')),  # Go allows duplicate names; Python would not
    (r'(?P<1x>a)', ('', '1x')),  # a name Python refuses
    (r'(?i)(?m:^a$)(?s-i:.)(?U)b*(?)', ('',)),
    (r'[[:alpha:][:^digit:]\d\W]', ('',)),
])
def test_translate_accepts_go_syntax(pattern, names):
    assert translate_go_regex(pattern).subexp_names == names


def test_translate_dollar_is_end_of_text():
    # Python's own $ would also match before a final newline.
    assert translate_go_regex('a$').regex.search('a\n') is None
    assert re.search('a$', 'a\n') is not None


@pytest.mark.parametrize('pattern, message', [
    (r'^(a)\1$', r'backreference \1 is not supported: RE2 (Go regexp) has no backreferences'),
    (r'(?P<n>a)(?P=n)', 'backreference (?P=name) is not supported: RE2 (Go regexp)'),
    (r'(?P<n>a)\k<n>', r'named backreference \k is not supported: RE2 (Go regexp)'),
    (r'(a)\g1', r'backreference \g is not supported'),
    (r'\8', r'backreference \8 is not supported'),
    (r'foo(?=bar)', 'lookahead (?=...) is not supported: RE2 (Go regexp) has no lookahead'),
    (r'foo(?!bar)', 'negative lookahead (?!...) is not supported: RE2 (Go regexp)'),
    (r'(?<=foo)bar', 'lookbehind (?<=...) is not supported: RE2 (Go regexp)'),
    (r'(?<!foo)bar', 'negative lookbehind (?<!...) is not supported: RE2 (Go regexp)'),
    (r'(?>a+)b', 'atomic group (?>...) is not supported: RE2 (Go regexp)'),
    (r'(a)?(?(1)b|c)', 'conditional (?(...)...) is not supported: RE2 (Go regexp)'),
    (r'a(?#comment)', 'comment (?#...) is not supported'),
    (r'a*+', 'possessive quantifier "*+" is not supported: RE2 (Go regexp)'),
    (r'a++', 'possessive quantifier "++"'),
    (r'a**', 'nested repetition "*" is not allowed in Go'),
    (r'a{2}{3}', 'nested repetition "{3}"'),
    (r'*a', 'missing argument to repetition operator "*"'),
    (r'a|?', 'missing argument to repetition operator "?"'),
    (r'a{1001}', 'invalid repeat count {1001}'),
    (r'a{3,2}', 'invalid repeat count {3,2}'),
    (r'\pL', r'Unicode class \pL is valid RE2 but not supported here'),
    (r'[\p{Greek}]', r'Unicode class \p{Greek} is valid RE2 but not supported here'),
    (r'a\Z', r'\Z is not valid in RE2 (Go regexp); use \z'),
    (r'\C', r'\C (any byte) is not supported'),
    (r'[\b]', r'\b inside a character class is not valid in RE2'),
    (r'\q', r'invalid escape sequence \q'),
    (r'[a-\d]', r'invalid escape sequence \d'),
    (r'\x{110000}', 'invalid hexadecimal escape'),
    (r'\xZ1', 'invalid hexadecimal escape'),
    (r'(?x) a', 'flag "x" is not supported: Go regexp knows only the flags i, m, s and U'),
    (r'(?i-)a', 'invalid or unsupported group syntax "(?i-)"'),
    (r'(?P<a-b>x)', 'invalid group name in (?P<...>'),
    (r'(?P<a', 'invalid group name in (?P<...>'),
    (r'[[:word:][:foo:]]', 'unknown POSIX class "[:foo:]"'),
    (r'[z-a]', 'invalid character class range z-a'),
    (r'[abc', 'missing closing "]"'),
    (r'(ab', 'missing closing ")"'),
    (r'ab)', 'unexpected ")"'),
    ('ab\\', 'trailing backslash'),
])
def test_translate_rejects(pattern, message):
    with pytest.raises(InvalidRule) as exc:
        translate_go_regex(pattern)
    assert message in str(exc.value)
    assert 'regular expression "%s"' % pattern in str(exc.value)


def test_expand_takes_a_python_match():
    regex = translate_go_regex(r'(?P<project>[a-z_]+)/(\w+)')
    match = regex.regex.search('proxy_hub/alpine')
    assert expand('$2 in ${project} ($$, $0, $9, $nope)', match, regex.subexp_names) == 'alpine in proxy_hub ($, proxy_hub/alpine, , )'


@pytest.mark.parametrize('pattern, template, expected', [
    (r'(a)(b)', 'https://h/v2/$1/manifests/$2', []),
    (r'(a)(b)', '$$3 ${1}x $0 $ ${ $- ${}', []),
    (r'(?P<n>a)', '$n ${n}', []),
    (r'(a)(b)', '$1x', ['$1x refers to a group named "1x", which the regular expression does not have (Go would insert ""); '
                        'write ${1}x to use group 1 followed by "x"']),
    (r'(a)(b)', '${3}', ['${3} refers to group 3 but the regular expression has only 2 group(s)']),
    (r'(a)(b)', '$01', ['$01 refers to a group named "01", which the regular expression does not have (Go would insert ""); '
                        'write ${0}1 to use group 0 followed by "1"']),
    (r'(a)(b)', '$12x', ['$12x refers to a group named "12x", which the regular expression does not have (Go would insert ""); '
                         'write ${1}2x to use group 1 followed by "2x"']),
    (r'(?P<n>a)', '$nx', ['$nx refers to a group named "nx", which the regular expression does not have (Go would insert "")']),
    (r'a', '$1$2', ['$1 refers to group 1 but the regular expression has only 0 group(s)',
                    '$2 refers to group 2 but the regular expression has only 0 group(s)']),
])
def test_template_problems(pattern, template, expected):
    assert template_problems(template, translate_go_regex(pattern)) == expected


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
    with pytest.raises(RewriteError) as exc:
        parse_manifest_url(url)
    assert message in str(exc.value)
    assert url.replace('u:p@', '***@') in str(exc.value)  # credentials in a URL are never repeated


def seed_rule(**overrides):
    data = {'regex_url': SEED_REGEX, 'replacement_oci': SEED_OCI}
    data.update(overrides)
    return Rule.from_dict(data, label='rules[0]')


def test_rule_applies_seed_example():
    result = seed_rule(replacement_arch=SEED_ARCH).apply(ECR + 'proxy_hub/library/alpine:3.16')
    assert result.manifest_url == HARBOR + 'proxy_hub/library/alpine/manifests/3.16'
    assert (result.base_url, result.repository, result.reference) == ('https://harbor.registry.mine.io', 'proxy_hub/library/alpine', '3.16')
    assert result.arch_url(DIGEST) == HARBOR + 'proxy_hub/library/alpine/manifests/' + DIGEST
    assert tuple(result.arch_location(DIGEST)) == ('https://harbor.registry.mine.io', 'proxy_hub/library/alpine', DIGEST)
    assert not result.index_only


def test_rule_no_match_is_none():
    assert seed_rule().apply('docker.io/library/alpine:3.16') is None


@pytest.mark.parametrize('replacement_arch, expected_template, index_only', [
    (None, HARBOR + 'proxy_hub/library/alpine/manifests/ARCHDIGEST', False),  # derived from replacement_oci
    (SEED_ARCH, HARBOR + 'proxy_hub/library/alpine/manifests/ARCHDIGEST', False),
    ('', None, True),  # the seed's "index only"
])
def test_rule_replacement_arch(replacement_arch, expected_template, index_only):
    result = seed_rule(replacement_arch=replacement_arch).apply(ECR + 'proxy_hub/library/alpine:3.16')
    assert result.arch_template == expected_template
    assert result.index_only is index_only


def test_rule_index_only_has_no_arch_url():
    result = seed_rule(replacement_arch='').apply(ECR + 'proxy_hub/library/alpine:3.16')
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
    assert seed_rule(platforms=platforms, **target).platforms == expected


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
    ({'regexURL': SEED_REGEX}, 'rules[0]: unknown key "regexURL" (did you mean "regex_url"?)'),
    ({'replacement_ocl': 'x'}, 'rules[0]: unknown key "replacement_ocl" (did you mean "replacement_oci"?)'),
    ({'colour': 'x'}, 'rules[0]: unknown key "colour"; known keys: platforms, regex_url,'),
])
def test_rule_rejects(overrides, message):
    with pytest.raises(InvalidRule) as exc:
        seed_rule(**overrides)
    assert message in str(exc.value)


@pytest.mark.parametrize('image, message', [
    # The seed's regex turns a digest reference into a repository "library/alpine@sha256".
    (ECR + 'proxy_hub/library/alpine@' + DIGEST, 'invalid repository "proxy_hub/library/alpine@sha256"'),
    (ECR + 'proxy_hub/library/Alpine:3.16', 'invalid repository "proxy_hub/library/Alpine"'),
])
def test_rule_apply_rejects_unusable_url(image, message):
    with pytest.raises(RewriteError) as exc:
        seed_rule().apply(image)
    text = str(exc.value)
    assert message in text
    assert 'image "%s" matched rules[0] (regex_url "%s")' % (image, SEED_REGEX) in text


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
        {'regex_url': SEED_REGEX, 'replacement_oci': SEED_OCI},
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


SEED_YAML = '''maxNumberOfParallelJobs: 2
proxyCaches:
- regexURL: "^.*amazonaws.com/(proxy_[^:/]+)/([^:]+):(.+$)"
  replacementOCI: "https://harbor.registry.mine.io/v2/$1/$2/manifests/$3"
  replacementArch: "https://harbor.registry.mine.io/v2/$1/$2/manifests/ARCHDIGEST"
  targetArch: "amd64"
  targetOS: "linux"
'''


def write(tmp_path, text):
    path = tmp_path / 'seed.yaml'
    path.write_text(text)
    return str(path)


def test_load_seed_config_reads_the_seed_example(tmp_path):
    rules, jobs = load_seed_config(write(tmp_path, SEED_YAML))
    assert jobs == 2
    assert len(rules) == 1
    assert rules[0].platforms == (Platform('linux', 'amd64'),)
    result = rules[0].apply(ECR + 'proxy_hub/library/alpine:3.16')
    assert result.manifest_url == HARBOR + 'proxy_hub/library/alpine/manifests/3.16'
    assert result.arch_url(DIGEST) == HARBOR + 'proxy_hub/library/alpine/manifests/' + DIGEST


def test_load_seed_config_extensions_and_defaults(tmp_path):
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
    rules, jobs = load_seed_config(write(tmp_path, text))
    assert jobs is None  # not set: the caller picks its default
    assert rules[0].platforms == (Platform('linux', 'arm', 'v6'),)
    assert rules[0].replacement_arch is None
    assert rules[1].platforms == (Platform('linux', 'amd64'), Platform('linux', 'arm64'))
    assert rules[1].replacement_arch == 'https://harbor.registry.mine.io/v2/proxy_ghcr/$1/manifests/ARCHDIGEST'


@pytest.mark.parametrize('text, message', [
    ('maxNumberOfParallelJobs: 0\n' + SEED_YAML.split('\n', 1)[1], 'maxNumberOfParallelJobs must be a whole number of at least 1, got 0'),
    ('maxNumberOfParallelJobs: -3\n' + SEED_YAML.split('\n', 1)[1], 'got -3'),
    ('maxNumberOfParallelJobs: "2"\n' + SEED_YAML.split('\n', 1)[1], "got '2'"),
    ('maxNumberOfParallelJobs: true\n' + SEED_YAML.split('\n', 1)[1], 'got True'),
    ('maxNumberOfParallelJobs: 2\n', 'proxyCaches must be a non-empty list'),
    ('maxNumberOfParallelJobs: 2\nproxyCaches: []\n', 'proxyCaches must be a non-empty list'),
    ('- a\n- b\n', 'expected a mapping with maxNumberOfParallelJobs and proxyCaches at the top level'),
    ('', 'expected a mapping'),
    ('maxNumberOfParalelJobs: 2\n', 'unknown key "maxNumberOfParalelJobs" (did you mean "maxNumberOfParallelJobs"?)'),
    (SEED_YAML.replace('regexURL', 'regexUrl'), 'proxyCaches[0]: unknown key "regexUrl" (did you mean "regexURL"?)'),
    (SEED_YAML.replace('targetOS', 'targetOs'), 'proxyCaches[0]: unknown key "targetOs" (did you mean "targetOS"?)'),
    (SEED_YAML.replace('targetArch: "amd64"', 'targetArch: "amd46"'), 'proxyCaches[0].targetArch: "amd46" is not an architecture'),
    (SEED_YAML.replace('(.+$)', r'(.+$)\\1'), r'proxyCaches[0].regexURL: regular expression'),
    (SEED_YAML.replace('manifests/ARCHDIGEST', 'manifests/$4'), 'proxyCaches[0].replacementArch: '),
    ('maxNumberOfParallelJobs: 2\nproxyCaches:\n- just a string\n', 'proxyCaches[0] must be a mapping with regexURL, replacementOCI'),
    ('proxyCaches: [\n', 'is not valid YAML'),
])
def test_load_seed_config_rejects(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(InvalidRule) as exc:
        load_seed_config(path)
    assert message in str(exc.value)
    assert path in str(exc.value)


def test_load_seed_config_missing_file(tmp_path):
    path = str(tmp_path / 'nope.yaml')
    with pytest.raises(InvalidRule) as exc:
        load_seed_config(path)
    assert 'cannot read the seed configuration "%s"' % path in str(exc.value)


def test_parse_seed_config_takes_parsed_data():
    rules, jobs = parse_seed_config({'maxNumberOfParallelJobs': 4, 'proxyCaches': [{'regexURL': SEED_REGEX, 'replacementOCI': SEED_OCI}]})
    assert (len(rules), jobs) == (1, 4)
