# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""parse_reference against distribution/reference's own test cases (github.com/distribution/reference at 0965666).

parse_reference is Docker's ParseNormalizedNamed (then TagNameOnly), so the cases of normalize_test.go apply as they
are, and those of reference_test.go (written for Parse, without normalisation) through ParseNormalizedNamed: a
valid case must parse with the same tag and digest, an invalid one must fail.
"""

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._oci.reference import InvalidReference, parse_reference

F64 = 'f' * 64
H64 = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a'

# normalize_test.go, TestValidateReferenceName and TestValidateRemoteName.
VALID_NAMES = [
    'docker/docker', 'library/debian', 'debian', 'localhost/library/debian', 'localhost/debian', 'LOCALDOMAIN/library/debian',
    'LOCALDOMAIN/debian', 'docker.io/docker/docker', 'docker.io/library/debian', 'docker.io/debian', 'index.docker.io/docker/docker',
    'index.docker.io/library/debian', 'index.docker.io/debian', '127.0.0.1:5000/docker/docker', '127.0.0.1:5000/library/debian',
    '127.0.0.1:5000/debian', '192.168.0.1', '192.168.0.1:80', '192.168.0.1:8/debian', '192.168.0.2:25000/debian',
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', '[fc00::1]:5000/docker', '[fc00::1]:5000/docker/docker',
    '[fc00:1:2:3:4:5:6:7]:5000/library/debian', 'docker.io/' + H64, 'Docker/docker', 'DOCKER/docker',
    'docker-rules/docker', 'docker---rules/docker', 'doc/docker', 'd/docker', 'jess/t', 'dock__er/docker',
]
INVALID_NAMES = [
    'https://github.com/docker/docker', 'docker/Docker', '-docker', '-docker/docker', '-docker.io/docker/docker', 'docker///docker',
    'docker.io/docker/Docker', 'docker.io/docker///docker', '[fc00::1]', '[fc00::1]:5000', 'fc00::1:5000/debian',
    '[fe80::1%eth0]:5000/debian', '[2001:db8:3:4::192.0.2.33]:5000/debian', H64,
    'docker-/docker', '-docker-/docker', '____/____', '_docker/_docker', 'dock..er/docker', 'dock_.er/docker', 'dock-.er/docker',
    'docker/', 'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_' * 4 + '/docker',
]

# reference_test.go, TestReferenceParse: (input, tag, digest) of the valid cases.
PARSED = [
    ('test_com', None, None), ('test.com:tag', 'tag', None), ('test.com:5000', '5000', None), ('test.com/repo:tag', 'tag', None),
    ('test:5000/repo', None, None), ('test:5000/repo:tag', 'tag', None), ('test:5000/repo@sha256:' + F64, None, 'sha256:' + F64),
    ('test:5000/repo:tag@sha256:' + F64, 'tag', 'sha256:' + F64), ('lowercase:Uppercase', 'Uppercase', None),
    ('a/' * 127 + 'a:tag-puts-this-over-max', 'tag-puts-this-over-max', None), ('sub-dom1.foo.com/bar/baz/quux', None, None),
    ('sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'some-long-tag', None), ('b.gcr.io/test.example.com/my-app:test.example.com', 'test.example.com', None),
    ('xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', None), ('xn--7o8h.com/myimage:xn--7o8h.com@sha256:' + F64, 'xn--7o8h.com', 'sha256:' + F64),
    ('foo_bar.com:8080', '8080', None), ('foo/foo_bar.com:8080', '8080', None), ('192.168.1.1', None, None), ('192.168.1.1:tag', 'tag', None),
    ('192.168.1.1:5000', '5000', None), ('192.168.1.1/repo', None, None), ('192.168.1.1:5000/repo', None, None),
    ('192.168.1.1:5000/repo:5050', '5050', None), ('[2001:db8::1]/repo', None, None), ('[2001:db8:1:2:3:4:5:6]/repo:tag', 'tag', None),
    ('[2001:db8::1]:5000/repo', None, None), ('[2001:db8::1]:5000/repo:tag', 'tag', None),
    ('[2001:db8::1]:5000/repo@sha256:' + F64, None, 'sha256:' + F64), ('[2001:db8::1]:5000/repo:tag@sha256:' + F64, 'tag', 'sha256:' + F64),
    ('[2001:db8::]:5000/repo', None, None), ('[::1]:5000/repo', None, None), ('example.com/' + 'a' * 255 + ':tag', 'tag', None),
]
# reference_test.go, TestReferenceParse: the invalid cases (ErrNameEmpty, ErrReferenceInvalidFormat, ErrDigestInvalidLength,
# ErrDigestUnsupported, ErrNameContainsUppercase, ErrNameTooLong).
REFUSED = [
    '', ':justtag', '@sha256:' + F64, 'repo@sha256:' + 'f' * 34, 'validname@invaliddigest:' + F64, 'Uppercase:tag',
    'test:5000/Uppercase/lowercase:tag', 'domain/' + 'a' * 256 + ':tag', 'aa/asdf$$^/aa', '[2001:db8::1]', '[2001:db8::1]:5000',
    '[2001:db8::1]:tag', '[fe80::1%eth0]:5000/repo', '[fe80::1%@invalidzone]:5000/repo',
]

# normalize_test.go, TestParseRepositoryInfo: (the references that name it, full name, familiar name, domain, path).
REPOSITORY_INFO = [
    (('localhost/fooo',), 'localhost/fooo', 'localhost/fooo', 'localhost', 'fooo'),
    (('LOCALDOMAIN/fooo/bar',), 'LOCALDOMAIN/fooo/bar', 'LOCALDOMAIN/fooo/bar', 'LOCALDOMAIN', 'fooo/bar'),
    (('fooo/bar', 'docker.io/fooo/bar', 'index.docker.io/fooo/bar'), 'docker.io/fooo/bar', 'fooo/bar', 'docker.io', 'fooo/bar'),
    (('ubuntu', 'docker.io/library/ubuntu', 'library/ubuntu'), 'docker.io/library/ubuntu', 'ubuntu', 'docker.io', 'library/ubuntu'),
    (('other/library', 'docker.io/other/library'), 'docker.io/other/library', 'other/library', 'docker.io', 'other/library'),
    (('127.0.0.1:8000/private/moonbase',), '127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase', '127.0.0.1:8000',
     'private/moonbase'),
    (('example.com:8000/privatebasee',), 'example.com:8000/privatebasee', 'example.com:8000/privatebasee', 'example.com:8000', 'privatebasee'),
    (('ubuntu-12.04-base', 'docker.io/library/ubuntu-12.04-base', 'index.docker.io/library/ubuntu-12.04-base'),
     'docker.io/library/ubuntu-12.04-base', 'ubuntu-12.04-base', 'docker.io', 'library/ubuntu-12.04-base'),
    (('foo', 'docker.io/library/foo', 'docker.io/foo'), 'docker.io/library/foo', 'foo', 'docker.io', 'library/foo'),
    (('library/foo/bar', 'docker.io/library/foo/bar'), 'docker.io/library/foo/bar', 'library/foo/bar', 'docker.io', 'library/foo/bar'),
    (('store/foo/bar',), 'docker.io/store/foo/bar', 'store/foo/bar', 'docker.io', 'store/foo/bar'),
    (('Foo/bar',), 'Foo/bar', 'Foo/bar', 'Foo', 'bar'),
]


@pytest.mark.parametrize('name', VALID_NAMES)
def test_a_name_distribution_accepts_is_accepted(name):
    parse_reference(name)


@pytest.mark.parametrize('name', INVALID_NAMES + REFUSED)
def test_a_reference_distribution_refuses_is_refused_naming_it(name):
    with pytest.raises(InvalidReference) as info:
        parse_reference(name)
    assert str(info.value).startswith('invalid image reference "%s": ' % name)


@pytest.mark.parametrize('text, tag, digest', PARSED)
def test_a_reference_parses_to_distribution_s_tag_and_digest(text, tag, digest):
    ref = parse_reference(text)
    assert (ref.tag, ref.digest) == (tag or ('latest' if digest is None else None), digest)


@pytest.mark.parametrize('names, full, familiar, domain, path', REPOSITORY_INFO)
def test_repository_info(names, full, familiar, domain, path):
    for name in names:
        ref = parse_reference(name)
        assert (ref.name, ref.familiar(), ref.domain, ref.path) == (full, familiar + ':latest', domain, path)


def test_sha512_is_a_digest_docker_knows():
    """reference_test.go expects ErrDigestUnsupported for sha512 only because that test links no sha512; Docker and
    containerd link it (and go-digest v1.0.0 lists sha384 and sha512), so a sha512 pin is accepted here."""
    assert parse_reference('validname@sha512:' + 'f' * 128).digest == 'sha512:' + 'f' * 128
