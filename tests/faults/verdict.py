# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a run under faults is judged: one image's entry, warmed with its retries or failed with a clear message.

Shared by the fault, secret, bad-input and load tests so that "no bare traceback" means the same everywhere.
"""

import re

HOST = 'faults.example'  # never resolved: only the rule's replacement URL is contacted
_TRACEBACK = re.compile(r'Traceback \(most recent call last\)|MODULE FAILURE|module_stderr')


def rule(base, project='proxy_hub', **extra):
    """A rule mapping ``faults.example/<repo>:<tag>`` to ``<base>/v2/<project>/<repo>/manifests/<tag>``."""
    prefix = '%s/v2/%s/' % (base, project) if project else '%s/v2/' % base
    return dict(regex_url='^%s/(.+):(.+)$' % re.escape(HOST), replacement_oci=prefix + '$1/manifests/$2', **extra)


def reference(repository, tag='1.0'):
    return '%s/%s:%s' % (HOST, repository, tag)


def no_traceback(run):
    """The run ended with a result the user can read, not a crash.

    ansible-core 2.19 shows an exception that escaped a module as ``Module failed: <exception>`` (the traceback
    only at -vvv); a module's own failure is just its message.
    """
    assert not _TRACEBACK.search(run.output), run
    assert not str(run.result.get('msg', '')).startswith('Task failed: Module failed:'), run
    # ansible-core adds "exception": "(traceback unavailable)" to every failed result; a crash has a real one.
    assert not _TRACEBACK.search(str(run.result.get('exception', ''))) and 'module_stderr' not in run.result, run


def entry(run, repository):
    """The result entry of ``repository`` (after checking the run did not crash)."""
    no_traceback(run)
    assert run.result.get('images') is not None, run
    found = [item for item in run.images if item['image'] == reference(repository)]
    assert len(found) == 1, run
    return found[0]


def warmed(run, repository, retries=None):
    """The image ended ``warmed``; ``retries``: the exact count, or a (min, max) pair; returns the entry."""
    item = entry(run, repository)
    assert item['status'] == 'warmed', (item, run)
    low, high = retries if isinstance(retries, tuple) else (retries, retries)
    if low is not None:
        assert low <= item['retries'] <= (high if high is not None else item['retries']), item
    return item


def failed(run, repository, *phrases):
    """The image ended ``failed`` with every phrase in its message, and claims nothing warmed; returns the entry."""
    item = entry(run, repository)
    assert item['status'] == 'failed' and item['changed'] is False, (item, run)
    for phrase in phrases:
        assert phrase in item['msg'], (phrase, item['msg'])
    assert item['image'] in item['msg'], item['msg']  # the message says which image
    return item
