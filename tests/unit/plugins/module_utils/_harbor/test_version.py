# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's release as systeminfo gives it, and the releases that delete a copy whose tag upstream lost."""

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.version import parse


@pytest.mark.parametrize('text, deletes', [
    ('v2.13.3-d06ceb25', False),
    ('v2.14.0-44a74424', True),
    ('v2.14.4', True),
    ('v2.15.0-e2b5ce92', True),
    ('v2.15.1-aa11bb22', False),
    ('v2.15.2-c50c7ddd', False),
    ('v2.16.0-dev', False),
    ('dev', False),  # does not parse: the newest's behaviour
    ('', False),  # systeminfo said nothing (an anonymous caller)
])
def test_only_v2_14_0_to_v2_15_0_delete_a_copy_whose_tag_upstream_lost(text, deletes):
    assert parse(text).deletes_on_upstream_not_found is deletes


def test_the_version_reads_as_harbor_gives_it_or_unknown():
    assert (str(parse('v2.15.0-e2b5ce92')), parse('v2.15.0-e2b5ce92').release) == ('v2.15.0-e2b5ce92', (2, 15, 0))
    assert (str(parse('')), parse('').release) == ('unknown', None)
