# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.reference import InvalidReference, Reference, parse_reference

H64 = '0123456789abcdef' * 4
H128 = H64 * 2
D256 = 'sha256:' + H64
ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'

# (input, domain, path, tag, digest, normalised string, familiar form)
VALID = [
    ('alpine', 'docker.io', 'library/alpine', 'latest', None, 'docker.io/library/alpine:latest', 'alpine:latest'),
    ('ubuntu:22.04', 'docker.io', 'library/ubuntu', '22.04', None, 'docker.io/library/ubuntu:22.04', 'ubuntu:22.04'),
    ('library/alpine', 'docker.io', 'library/alpine', 'latest', None, 'docker.io/library/alpine:latest', 'alpine:latest'),
    ('docker.io/alpine', 'docker.io', 'library/alpine', 'latest', None, 'docker.io/library/alpine:latest', 'alpine:latest'),
    ('index.docker.io/library/alpine:3', 'docker.io', 'library/alpine', '3', None, 'docker.io/library/alpine:3', 'alpine:3'),
    ('bitnami/redis:7.2', 'docker.io', 'bitnami/redis', '7.2', None, 'docker.io/bitnami/redis:7.2', 'bitnami/redis:7.2'),
    ('library/a/b', 'docker.io', 'library/a/b', 'latest', None, 'docker.io/library/a/b:latest', 'library/a/b:latest'),
    (ECR + '/proxy_hub/library/alpine:3.16', ECR, 'proxy_hub/library/alpine', '3.16', None,
     ECR + '/proxy_hub/library/alpine:3.16', ECR + '/proxy_hub/library/alpine:3.16'),
    ('ghcr.io/org/app:v1@' + D256, 'ghcr.io', 'org/app', 'v1', D256, 'ghcr.io/org/app:v1@' + D256, 'ghcr.io/org/app:v1@' + D256),
    ('ghcr.io/org/app@' + D256, 'ghcr.io', 'org/app', None, D256, 'ghcr.io/org/app@' + D256, 'ghcr.io/org/app@' + D256),
    ('alpine@' + D256, 'docker.io', 'library/alpine', None, D256, 'docker.io/library/alpine@' + D256, 'alpine@' + D256),
    ('localhost:5000/a/b@' + D256, 'localhost:5000', 'a/b', None, D256, 'localhost:5000/a/b@' + D256, 'localhost:5000/a/b@' + D256),
    ('localhost/foo', 'localhost', 'foo', 'latest', None, 'localhost/foo:latest', 'localhost/foo:latest'),
    # Without a slash, "localhost" is a Docker Hub name and ":5000" a tag (Docker does the same).
    ('localhost', 'docker.io', 'library/localhost', 'latest', None, 'docker.io/library/localhost:latest', 'localhost:latest'),
    ('localhost:5000', 'docker.io', 'library/localhost', '5000', None, 'docker.io/library/localhost:5000', 'localhost:5000'),
    ('[::1]:5000/x:y', '[::1]:5000', 'x', 'y', None, '[::1]:5000/x:y', '[::1]:5000/x:y'),
    ('[2001:db8::1]/ns/img', '[2001:db8::1]', 'ns/img', 'latest', None, '[2001:db8::1]/ns/img:latest', '[2001:db8::1]/ns/img:latest'),
    ('127.0.0.1:5000/app:Latest_1', '127.0.0.1:5000', 'app', 'Latest_1', None, '127.0.0.1:5000/app:Latest_1', '127.0.0.1:5000/app:Latest_1'),
    ('quay.io/prometheus/node-exporter:v1.7.0', 'quay.io', 'prometheus/node-exporter', 'v1.7.0', None,
     'quay.io/prometheus/node-exporter:v1.7.0', 'quay.io/prometheus/node-exporter:v1.7.0'),
    ('registry.k8s.io/pause:3.9', 'registry.k8s.io', 'pause', '3.9', None, 'registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'),
    ('gcr.io/distroless/static-debian12:nonroot', 'gcr.io', 'distroless/static-debian12', 'nonroot', None,
     'gcr.io/distroless/static-debian12:nonroot', 'gcr.io/distroless/static-debian12:nonroot'),
    ('mcr.microsoft.com/windows/servercore:ltsc2022', 'mcr.microsoft.com', 'windows/servercore', 'ltsc2022', None,
     'mcr.microsoft.com/windows/servercore:ltsc2022', 'mcr.microsoft.com/windows/servercore:ltsc2022'),
    ('harbor.example.com:8443/proxy_hub/library/nginx:1.25-alpine', 'harbor.example.com:8443', 'proxy_hub/library/nginx', '1.25-alpine', None,
     'harbor.example.com:8443/proxy_hub/library/nginx:1.25-alpine', 'harbor.example.com:8443/proxy_hub/library/nginx:1.25-alpine'),
    ('a/b/c/d/e:tag', 'docker.io', 'a/b/c/d/e', 'tag', None, 'docker.io/a/b/c/d/e:tag', 'a/b/c/d/e:tag'),
    ('my-registry.local/team__x/app', 'my-registry.local', 'team__x/app', 'latest', None, 'my-registry.local/team__x/app:latest',
     'my-registry.local/team__x/app:latest'),
    ('example.com/a--b/c.d_e:1', 'example.com', 'a--b/c.d_e', '1', None, 'example.com/a--b/c.d_e:1', 'example.com/a--b/c.d_e:1'),
    # An upper-case first component is taken as a registry host, as Docker's splitDockerDomain does.
    ('Foo/bar:1', 'Foo', 'bar', '1', None, 'Foo/bar:1', 'Foo/bar:1'),
    ('REGISTRY.EXAMPLE.COM/app:1', 'REGISTRY.EXAMPLE.COM', 'app', '1', None, 'REGISTRY.EXAMPLE.COM/app:1', 'REGISTRY.EXAMPLE.COM/app:1'),
    ('alpine:_x', 'docker.io', 'library/alpine', '_x', None, 'docker.io/library/alpine:_x', 'alpine:_x'),
    ('alpine:' + 'T' * 128, 'docker.io', 'library/alpine', 'T' * 128, None, 'docker.io/library/alpine:' + 'T' * 128, 'alpine:' + 'T' * 128),
    ('alpine@sha512:' + H128, 'docker.io', 'library/alpine', None, 'sha512:' + H128, 'docker.io/library/alpine@sha512:' + H128,
     'alpine@sha512:' + H128),
    ('alpine@sha384:' + H64[:48] * 2, 'docker.io', 'library/alpine', None, 'sha384:' + H64[:48] * 2,
     'docker.io/library/alpine@sha384:' + H64[:48] * 2, 'alpine@sha384:' + H64[:48] * 2),
    # The path may have 255 characters, whatever the domain's length (RepositoryNameTotalLengthMax).
    ('a' * 247, 'docker.io', 'library/' + 'a' * 247, 'latest', None, 'docker.io/library/' + 'a' * 247 + ':latest', 'a' * 247 + ':latest'),
    (ECR + '/' + 'a' * 255, ECR, 'a' * 255, 'latest', None, ECR + '/' + 'a' * 255 + ':latest', ECR + '/' + 'a' * 255 + ':latest'),
    # Not a host, but a valid path as a whole: distribution/reference takes it as a name without a domain.
    ('ex_ample.com/app', '', 'ex_ample.com/app', 'latest', None, 'ex_ample.com/app:latest', 'ex_ample.com/app:latest'),
]


@pytest.mark.parametrize('text, domain, path, tag, digest, normalised, familiar', VALID)
def test_parse_reference(text, domain, path, tag, digest, normalised, familiar):
    ref = parse_reference(text)
    assert (ref.domain, ref.path, ref.tag, ref.digest, ref.original) == (domain, path, tag, digest, text)
    assert str(ref) == ref.normalized() == normalised
    assert ref.familiar() == familiar
    assert ref.name == (domain + '/' + path if domain else path)
    assert ref.reference == (digest or tag)
    # Normalising is idempotent, and the normalised form is the same reference.
    assert parse_reference(normalised) == ref


def test_reference_is_frozen_and_compares_normalised():
    ref = parse_reference('alpine')
    with pytest.raises(AttributeError):
        ref.tag = 'x'
    assert ref == parse_reference('docker.io/library/alpine:latest')
    assert len({ref, parse_reference('index.docker.io/alpine:latest')}) == 1
    assert isinstance(ref, Reference)


INVALID = [
    ('', 'invalid image reference "": the reference is empty'),
    (' alpine', 'invalid image reference " alpine": it contains whitespace'),
    ('alpine :1', 'it contains whitespace'),
    ('alpine\n', 'it contains whitespace'),
    ('foo/Bar:1', 'invalid image reference "foo/Bar:1": repository names must be lowercase (use "foo/bar:1")'),
    ('Alpine', 'repository names must be lowercase (use "alpine")'),
    ('ghcr.io/Org/App:v1', 'repository names must be lowercase (use "ghcr.io/org/app:v1")'),
    ('alpine@sha256:abc', 'digest "sha256:abc" must be "algorithm:hex" with at least 32 hex digits'),
    ('alpine@sha256:' + H64.upper(), 'must be lowercase hex after "sha256:"'),
    ('alpine@sha256:' + H64 + '00', 'must have exactly 64 lowercase hex digits after "sha256:" (it has 66)'),
    ('alpine@sha512:' + H64, 'must have exactly 128 lowercase hex digits after "sha512:" (it has 64)'),
    ('alpine@' + H64, 'must be "algorithm:hex"'),
    ('alpine@sha256:' + H64 + '@x', 'must be "algorithm:hex"'),
    ('alpine:-bad', 'tag "-bad" is invalid'),
    ('alpine:', 'tag "" is invalid'),
    ('alpine:a/b', 'registry host "alpine:a" is invalid'),  # a ":" makes the first component a host, as in Docker
    ('alpine:' + 'a' * 129, 'is invalid: use up to 128 letters'),
    ('a' * 248, 'the repository path "library/%s" is 256 characters long; at most 255 are allowed' % ('a' * 248)),
    ('alpine@blake3:' + H64, 'uses the algorithm "blake3", which Docker and containerd do not support: use sha256, sha384, sha512'),
    ('alpine@SHA256:' + H64, 'uses the algorithm "SHA256"'),
    ('a/', 'the repository path has an empty component'),
    ('/a', 'the repository path has an empty component'),
    ('a//b', 'the repository path has an empty component'),
    ('a___b', 'repository path component "a___b" is invalid'),
    ('-alpine', 'repository path component "-alpine" is invalid'),
    ('a..b', 'repository path component "a..b" is invalid'),
    ('example.com:port/app', 'registry host "example.com:port" is invalid'),
    ('example.com/', 'the repository path has an empty component'),
    (':tag', 'the repository name is missing'),
    ('@' + D256, 'the repository name is missing'),
    (H64, 'is an image ID, not a name'),
    (None, 'invalid image reference None: expected a string'),
]


@pytest.mark.parametrize('text, message', INVALID)
def test_parse_reference_rejects(text, message):
    with pytest.raises(InvalidReference) as exc:
        parse_reference(text)
    assert message in str(exc.value)
    assert isinstance(exc.value, ImageError)  # one image fails, not the task
