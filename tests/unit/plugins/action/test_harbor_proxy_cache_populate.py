# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the action plugin runs the module: in Ansible's worker only when a module process would be a copy of it."""

from __future__ import annotations

import os
import sys

import pytest

from ansible_collections.prewarm.harbor.plugins.action.harbor_proxy_cache_populate import runs_in_process

LOCAL = dict(transport='local', become=False, async_val=0, environment=[{}], interpreter='auto', requests_missing=None)


@pytest.mark.parametrize('change, here', [
    ({}, True),
    (dict(interpreter='auto_silent'), True),
    (dict(interpreter=sys.executable), True),
    (dict(environment=[]), True),
    (dict(environment=[{}, {'HTTPS_PROXY': 'http://proxy:3128'}]), False),  # the module would see it; this worker does not
    (dict(transport='ssh'), False),
    (dict(transport='community.docker.docker'), False),
    (dict(become=True), False),
    (dict(async_val=60), False),
    (dict(interpreter='/usr/bin/python3' if sys.executable != '/usr/bin/python3' else '/usr/bin/python3.999'), False),
    (dict(interpreter='/no/such/python'), False),
    (dict(requests_missing='Traceback: No module named requests'), False),  # the module reports the missing library
], ids=lambda value: repr(value) if isinstance(value, dict) else str(value))
def test_where_the_module_runs(change, here):
    assert runs_in_process(**{**LOCAL, **change}) is here


def test_the_interpreter_a_venv_links_to_is_another_python():
    """A venv's python links to its base interpreter, but only the venv's has the venv's packages."""
    base = os.path.realpath(sys.executable)
    if os.path.dirname(base) == os.path.dirname(os.path.abspath(sys.executable)):
        pytest.skip('these tests do not run in a virtual environment: %s is its own base' % sys.executable)
    assert runs_in_process(**{**LOCAL, 'interpreter': base}) is False
