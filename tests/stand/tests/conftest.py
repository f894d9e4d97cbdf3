# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stand's own tests use the session's stand, as the collection's end-to-end tests do (tests/stand/fixtures.py)."""

# pylint: disable-next=unused-import
from ansible_collections.prewarm.harbor.tests.stand.fixtures import pytest_runtest_makereport, stand, stand_defaults, stand_defaults_per_module  # noqa: F401
