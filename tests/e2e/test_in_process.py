# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin runs the module in-process on a local connection; the result must not tell the two apart.

A task ``environment`` is one of the things that sends it through a module process as usual (the environment
must reach the process that reads it), so the same task with and without one compares the two paths.
"""

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.tests.e2e.playbook import ECR, ecr, rule, run_module

MODULE_PROCESS = {'environment': {'PREWARM_TEST_PATH': 'module'}}
# What differs between two runs of the same task: times, and how far Harbor's store timers have got (its keys stay).
VOLATILE = ('seconds', 'harbor_committed', 'harbor_pending', 'harbor_expected_at')


def comparable(result):
    """The result without what differs from run to run."""
    images = [dict((k, sorted(v) if k == 'harbor' else v) for k, v in entry.items() if k not in VOLATILE)
              for entry in result.get('images') or []]
    summary = dict((k, v) for k, v in (result.get('summary') or {}).items() if k not in VOLATILE)
    return dict(images=images, summary=summary, changed=result.get('changed'), failed=result.get('failed', False),
                msg=result.get('msg'), warnings=result.get('warnings'))


def both(stand, args, check=False):
    """(in-process run, module-process run), each on a cold cache, at -vvv."""
    runs = []
    for keywords in (None, MODULE_PROCESS):
        stand.reset_cache()
        runs.append(run_module(args, check=check, verbosity=3, keywords=keywords))
    return runs


@pytest.mark.parametrize('check', [False, True], ids=['warm', 'check'])
def test_same_result_in_process_and_in_a_module_process(stand, check):
    images = [ecr(stand.public_project, image) for image in stand.images.values()] + ['nomatch.example/none:1']
    here, there = both(stand, dict(images=images, proxy_caches=[rule(stand.harbor_url)], platforms=['linux/amd64']), check)
    assert 'AnsiballZ_harbor_proxy_cache_populate' not in here.output, here
    assert 'AnsiballZ_harbor_proxy_cache_populate' in there.output, there
    assert here.returncode == there.returncode == 0, (here, there)
    assert comparable(here.result) == comparable(there.result)
    expected = 'would_warm' if check else 'warmed'
    assert [entry['status'] for entry in here.images] == [expected] * (len(images) - 1) + ['unmatched'], here


@pytest.mark.parametrize('args, message', [
    (dict(image='a/b:1', images=['a/b:1']), 'parameters are mutually exclusive: image|images'),
    (dict(image='a/b:1', bogus=1), 'Unsupported parameters for (prewarm.harbor.harbor_proxy_cache_populate) module: bogus'),
    (dict(image='a/b:1', timeout='soon'), "argument 'timeout' is of type str"),
    (dict(image='a/b:1', max_parallel_jobs=0), 'max_parallel_jobs must be at least 1, got 0'),
], ids=['exclusive', 'unknown', 'type', 'value'])
def test_same_refusal_in_process_and_in_a_module_process(stand, args, message):
    args = dict(args, proxy_caches=[rule(stand.harbor_url)])
    here, there = (run_module(args, keywords=keywords) for keywords in (None, MODULE_PROCESS))
    assert here.result.get('failed') and there.result.get('failed'), (here, there)
    assert message in here.result['msg'], here
    assert here.result['msg'] == there.result['msg']


def test_an_image_failure_is_a_warning_in_both_when_fail_on_error_is_false(stand):
    missing = '%s/%s/missing/image:1.0' % (ECR, stand.public_project)
    args = dict(images=[missing], proxy_caches=[rule(stand.harbor_url)], fail_on_error=False)
    here, there = (run_module(args, keywords=keywords) for keywords in (None, MODULE_PROCESS))
    assert comparable(here.result) == comparable(there.result)
    assert here.images[0]['status'] == 'failed' and not here.result.get('failed'), here
    assert here.images[0]['msg'] in here.output and 'WARNING' in here.output, here
