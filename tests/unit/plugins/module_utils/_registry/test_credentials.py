# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._registry.credentials import (
    CredentialSource, CredentialsError, default_auth_file,
)


def auth_file(tmp_path, auths):
    path = tmp_path / 'config.json'
    path.write_text(json.dumps({'auths': auths}))
    return str(path)


def encoded(user, password):
    return base64.b64encode(('%s:%s' % (user, password)).encode()).decode()


def test_explicit_credentials_win_everywhere(tmp_path):
    source = CredentialSource('robot$pull', 's3cret', auth_file(tmp_path, {'h:1': {'auth': encoded('x', 'y')}}))
    assert source('https://h:1').username == 'robot$pull'
    assert 's3cret' not in repr(source('https://h:1'))


@pytest.mark.parametrize('key', ['harbor.example.com', 'https://harbor.example.com', 'https://harbor.example.com/v1/',
                                 'harbor.example.com/proxy_hub'])
def test_auth_file_entries_match_by_host(tmp_path, key):
    source = CredentialSource(auth_file=auth_file(tmp_path, {key: {'auth': encoded('robot$a', 'p:w')}}))
    found = source('https://harbor.example.com')
    assert (found.username, found.password) == ('robot$a', 'p:w')
    assert source('https://other.example.com') is None


@pytest.mark.parametrize('key', ['https://index.docker.io/v1/', 'docker.io', 'registry-1.docker.io'])
@pytest.mark.parametrize('origin', ['https://registry-1.docker.io', 'https://index.docker.io', 'https://docker.io'])
def test_docker_hub_s_entry_serves_every_name_of_docker_hub(tmp_path, key, origin):
    """docker login writes https://index.docker.io/v1/, podman docker.io; the registry API is at registry-1.docker.io."""
    source = CredentialSource(auth_file=auth_file(tmp_path, {key: {'auth': encoded('hubuser', 'hubtoken')}}))
    assert source(origin).username == 'hubuser'
    assert source('https://quay.io') is None


def test_an_exact_entry_wins_over_docker_hub_s_other_names(tmp_path):
    source = CredentialSource(auth_file=auth_file(tmp_path, {'https://index.docker.io/v1/': {'auth': encoded('login', 'a')},
                                                             'registry-1.docker.io': {'auth': encoded('api', 'b')}}))
    assert source('https://registry-1.docker.io').username == 'api'
    assert source('https://index.docker.io').username == 'login'


def test_an_entry_without_credentials_is_passed_over(tmp_path):
    """docker login with a credsStore leaves an empty entry; podman's docker.io entry then serves Docker Hub."""
    source = CredentialSource(auth_file=auth_file(tmp_path, {'https://index.docker.io/v1/': {},
                                                             'docker.io': {'auth': encoded('podman', 'c')}}))
    assert source('https://registry-1.docker.io').username == 'podman'


def test_username_password_entries(tmp_path):
    source = CredentialSource(auth_file=auth_file(tmp_path, {'127.0.0.1:5000': {'username': 'u', 'password': 'p'}}))
    assert source('http://127.0.0.1:5000').password == 'p'


@pytest.mark.parametrize('kwargs, message', [
    ({'username': 'u'}, 'without a password'),
    ({'password': 'p'}, 'without a username'),
    ({'auth_file': '/nonexistent/config.json'}, 'does not exist'),
])
def test_unusable_credentials_are_refused(kwargs, message):
    with pytest.raises(CredentialsError, match=message):
        CredentialSource(**kwargs)


def test_malformed_auth_file_names_the_file(tmp_path):
    path = tmp_path / 'config.json'
    path.write_text('{"auths": ')
    with pytest.raises(CredentialsError, match='config.json is not valid JSON'):
        CredentialSource(auth_file=str(path))('https://h')


def test_default_auth_file_order(tmp_path):
    assert default_auth_file({'REGISTRY_AUTH_FILE': '/a.json', 'DOCKER_CONFIG': '/d'}) == '/a.json'
    assert default_auth_file({'DOCKER_CONFIG': '/d'}) == '/d/config.json'
    assert default_auth_file({}).endswith('/.docker/config.json')
