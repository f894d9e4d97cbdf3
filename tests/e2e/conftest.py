# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Session-wide registry stand for end-to-end tests; a failing test's report ends with the stand's logs
(tests/stand/fixtures.py, shared with the stand's own tests)."""

# pylint: disable-next=unused-import
from ansible_collections.prewarm.harbor.tests.stand.fixtures import pytest_runtest_makereport, stand, stand_defaults, stand_defaults_per_module  # noqa: F401
