# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import random

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._registry.challenge import (
    Challenge, InvalidChallenge, parse_challenges,
)

HARBOR = 'Bearer realm="https://h/service/token",service="harbor-registry",scope="repository:proxy_hub/library/alpine:pull"'


@pytest.mark.parametrize('header, expected', [
    (HARBOR, [Challenge('bearer', {'realm': 'https://h/service/token', 'service': 'harbor-registry',
                                   'scope': 'repository:proxy_hub/library/alpine:pull'})]),
    # Docker Hub
    ('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
     [Challenge('bearer', {'realm': 'https://auth.docker.io/token', 'service': 'registry.docker.io', 'scope': 'repository:library/alpine:pull'})]),
    # GHCR
    ('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/app:pull"',
     [Challenge('bearer', {'realm': 'https://ghcr.io/token', 'service': 'ghcr.io', 'scope': 'repository:org/app:pull'})]),
    # Quay (no scope)
    ('Bearer realm="https://quay.io/v2/auth",service="quay.io"', [Challenge('bearer', {'realm': 'https://quay.io/v2/auth', 'service': 'quay.io'})]),
    # ECR
    ('Basic realm="https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/",service="ecr.amazonaws.com"',
     [Challenge('basic', {'realm': 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/', 'service': 'ecr.amazonaws.com'})]),
    # Several challenges in one header.
    ('Basic realm="x", Bearer realm="y",service="z"', [Challenge('basic', {'realm': 'x'}), Challenge('bearer', {'realm': 'y', 'service': 'z'})]),
    ('Bearer realm="y", Basic', [Challenge('bearer', {'realm': 'y'}), Challenge('basic')]),
    # Commas inside quoted strings, escaped quotes.
    ('Bearer scope="repository:a/b:pull,push"', [Challenge('bearer', {'scope': 'repository:a/b:pull,push'})]),
    (r'Bearer realm="a \"quoted\" realm, really",error="x\\y"', [Challenge('bearer', {'realm': 'a "quoted" realm, really', 'error': 'x\\y'})]),
    ('Bearer realm=""', [Challenge('bearer', {'realm': ''})]),
    # Unquoted values: tokens, and (leniently) URLs.
    ('Bearer realm=https://h/token, service=harbor-registry', [Challenge('bearer', {'realm': 'https://h/token', 'service': 'harbor-registry'})]),
    # Case-insensitive scheme and names, optional whitespace around "=" and ",".
    ('BEARER Realm="x" , SERVICE = "y"', [Challenge('bearer', {'realm': 'x', 'service': 'y'})]),
    ('  ,Bearer realm="x",,  ,', [Challenge('bearer', {'realm': 'x'})]),
    # A repeated name keeps its first value.
    ('Bearer realm="x",realm="y"', [Challenge('bearer', {'realm': 'x'})]),
    # token68 forms.
    ('Negotiate', [Challenge('negotiate')]),
    ('Negotiate YIIB+/x==', [Challenge('negotiate', token68='YIIB+/x==')]),
    ('Negotiate abc=, Basic realm="r"', [Challenge('negotiate', token68='abc='), Challenge('basic', {'realm': 'r'})]),
    ('Bearer realm=', [Challenge('bearer', token68='realm=')]),  # RFC 7235: a parameter needs a value, so this is a token68
    ('', []),
    # One value per header line.
    (['Basic realm="x"', HARBOR], [Challenge('basic', {'realm': 'x'}), parse_challenges(HARBOR)[0]]),
])
def test_parse_challenges(header, expected):
    assert parse_challenges(header) == expected


@pytest.mark.parametrize('header, message', [
    ('Bearer realm="unterminated', 'expected a closing double quote'),
    ('Bearer realm="x"service="y"', 'expected "," or the end of the header at offset 16'),
    ('Bearer realm="x" junk', 'expected "," or the end of the header'),
    ('=', 'expected an authentication scheme at offset 0'),
    ('"quoted"', 'expected an authentication scheme'),
    ('Bearer realm==x', 'expected parameters (name=value) or a token68 after scheme "Bearer"'),
    ('Bearer realm =,', 'expected parameters (name=value) or a token68'),
    ('Bearer a b', 'expected parameters (name=value) or a token68'),
    ('Bearer \x00', 'expected parameters (name=value) or a token68'),
    (None, 'cannot parse WWW-Authenticate header None: expected a string'),
    (b'Bearer realm="x"', "cannot parse WWW-Authenticate header b'Bearer realm=\"x\"': expected a string"),
])
def test_parse_challenges_rejects(header, message):
    with pytest.raises(InvalidChallenge) as exc:
        parse_challenges(header)
    assert message in str(exc.value)


def test_garbage_raises_only_invalid_challenge():
    rng = random.Random(7235)
    alphabet = 'Bearer realm="x\\,= \t;/:'
    for _dummy in range(2000):
        header = ''.join(rng.choice(alphabet) for _dummy in range(rng.randint(0, 24)))
        try:
            result = parse_challenges(header)
        except InvalidChallenge as exc:
            assert header in str(exc)
        else:
            assert all(isinstance(item, Challenge) for item in result)
