# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-image result: its serialised shape is the one the module's RETURN documents, key for key."""

from __future__ import annotations

import yaml

from ansible_collections.prewarm.harbor.plugins.module_utils._result import FAILED, WARMED, ImageResult, PlatformResult
from ansible_collections.prewarm.harbor.plugins.modules.harbor_proxy_cache_populate import RETURN

DOCUMENTED = yaml.safe_load(RETURN)['images']['contains']


def test_return_documents_every_key_an_image_result_can_have_and_no_other():
    assert set(DOCUMENTED) == set(ImageResult.__slots__)
    assert set(DOCUMENTED['platforms']['contains']) == set(PlatformResult.__slots__)


def test_a_key_not_always_present_says_when_it_is():
    always = set(ImageResult._ALWAYS) | {'platforms'}  # pylint: disable=protected-access
    assert {key for key, doc in DOCUMENTED.items() if 'returned' not in doc} == always
    assert {key for key, doc in DOCUMENTED['platforms']['contains'].items() if 'returned' not in doc} == {'platform'}


def test_unset_keys_are_not_serialised():
    unmatched = ImageResult('alpine').as_dict()
    assert set(unmatched) == set(ImageResult._ALWAYS) | {'platforms'}  # pylint: disable=protected-access
    result = ImageResult('alpine', 0, 'https://h/v2/a/manifests/1')
    result.platforms = [PlatformResult('linux/amd64', digest='sha256:' + 'a' * 64)]
    result.retries = 0
    result.finish(WARMED)
    assert result.as_dict()['platforms'] == [{'platform': 'linux/amd64', 'digest': 'sha256:' + 'a' * 64}]
    assert (result.as_dict()['changed'], result.as_dict()['retries']) == (True, 0)
    result.fail('alpine: broken')
    assert (result.status, result.changed, result.msg) == (FAILED, False, 'alpine: broken')
