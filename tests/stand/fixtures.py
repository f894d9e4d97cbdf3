# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session-wide stand for pytest, and its timing; a failing test's report ends with the stand's logs.

A conftest.py imports these names (tests/e2e/ for the collection's end-to-end tests, tests/stand/tests/ for the stand's
own), so each directory gets the fixtures and the report hook without a conftest.py above tests/unit.
"""

import shutil

import pytest

from .stand import Stand

_TOOLS = ('docker-registry', 'skopeo', 'containerd', 'ctr')
# Harbor's timers at 1/80 of their real length (store checks every 0.25 s, EnsureTag every 0.125 s), and no token
# leeway, so that a whole store timeline, or a token expiring, takes seconds.
HARBOR_INTERVAL = 0.25


@pytest.fixture(scope='session')
def stand(tmp_path_factory):
    """One stand for the session; call ``stand.reset_cache()`` in a test that needs a cold cache."""
    missing = [tool for tool in _TOOLS if shutil.which(tool) is None]
    if missing:  # a skip would pass silently where the whole point is real registries
        pytest.fail(f'the stand needs {", ".join(missing)}: run make test, which installs them')
    with Stand(tmp_path_factory.mktemp('stand'), harbor_interval=HARBOR_INTERVAL, token_leeway=0) as running:
        yield running


@pytest.fixture(scope='module', autouse=True)
def stand_defaults_per_module(stand):
    """Before a test module's own fixtures: they start before the per-test reset below, and the previous
    module may have left upstream stopped (every oracle pull stops it). A module fixture that first runs
    after some of its module's tests must still reset for itself."""
    stand.restore_defaults()


@pytest.fixture(autouse=True)
def stand_defaults(request):
    """Before each test using the stand: upstream running, switches off (a test may have left them otherwise)."""
    if 'stand' in request.fixturenames:
        request.getfixturevalue('stand').restore_defaults()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # pylint: disable=unused-argument
    """Append the stand's log tails to the report of a failing test that used it."""
    report = yield
    running = getattr(item, 'funcargs', {}).get('stand')
    if report.failed and isinstance(running, Stand):
        report.sections.append(('stand logs', running.log_report()))
    return report
