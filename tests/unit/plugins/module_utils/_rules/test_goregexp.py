# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Go regular expressions and templates (_goregexp, _gotemplate), against Go's own results."""

from __future__ import annotations

import re

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._rules.goregexp import InvalidRegexp, translate_go_regex
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.gotemplate import expand, replace_all, template_problems
from ansible_collections.prewarm.harbor.tests.unit.plugins.module_utils.rule_examples import (
    DIGEST, ECR, HARBOR, HEX, NAMED, NAMED_OCI, POPULATOR_ARCH, POPULATOR_OCI, POPULATOR_REGEX,
)


# (Go pattern, template, input, regexp.MatchString, regexp.ReplaceAllString).
# Every expected value below was produced by Go 1.19.8 (Debian golang-go) running a throwaway program
# outside this repository over exactly these inputs, and pasted here as literals.
GO_PARITY = [
    # HarborProxyCachePopulator's own rule and ECR-style references.
    (POPULATOR_REGEX, POPULATOR_OCI, ECR + 'proxy_hub/library/alpine:3.16', True, HARBOR + 'proxy_hub/library/alpine/manifests/3.16'),
    (POPULATOR_REGEX, POPULATOR_ARCH, ECR + 'proxy_hub/library/alpine:3.16', True, HARBOR + 'proxy_hub/library/alpine/manifests/ARCHDIGEST'),
    (POPULATOR_REGEX, POPULATOR_OCI, ECR + 'proxy_quay/coreos/etcd:v3.5.0', True, HARBOR + 'proxy_quay/coreos/etcd/manifests/v3.5.0'),
    (POPULATOR_REGEX, POPULATOR_OCI, ECR + 'proxy_hub/library/alpine@' + DIGEST, True, HARBOR + 'proxy_hub/library/alpine@sha256/manifests/' + HEX),
    (POPULATOR_REGEX, POPULATOR_OCI, ECR + 'proxy_hub/library/alpine:3.16@' + DIGEST, True, HARBOR + 'proxy_hub/library/alpine/manifests/3.16@' + DIGEST),
    (POPULATOR_REGEX, POPULATOR_OCI, 'docker.io/library/alpine:3.16', False, 'docker.io/library/alpine:3.16'),
    (POPULATOR_REGEX, POPULATOR_OCI, ECR + 'proxy_hub/library/alpine', False, ECR + 'proxy_hub/library/alpine'),
    (POPULATOR_REGEX, POPULATOR_OCI, ECR + 'proxy_hub/library/alpine:3.16\n', False, ECR + 'proxy_hub/library/alpine:3.16\n'),
    (POPULATOR_REGEX, POPULATOR_OCI, ECR + 'other/library/alpine:3.16', False, ECR + 'other/library/alpine:3.16'),
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
    (POPULATOR_REGEX, ('', '', '', '')),
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
    with pytest.raises(InvalidRegexp) as exc:
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
