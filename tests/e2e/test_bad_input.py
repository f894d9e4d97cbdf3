# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input through ansible-playbook: the task fails with the exact message, and nothing is sent anywhere.

The full table of option and reference mistakes is in tests/unit/plugins/module_utils/test_populate_options.py;
here are the checks only the module's argument spec makes (exclusive and required options, types), and one
row of each kind the unit table covers, to show its message reaches the user unchanged.
"""

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.tests.faults import verdict
from ansible_collections.prewarm.harbor.tests.faults.plays import run_modules
from ansible_collections.prewarm.harbor.tests.faults.trap import Trap, fill

IMAGE = verdict.reference('team/app')

# (id, options on top of a valid image and rule, the task's exact msg); {config} is the config file's path.
TABLE = [
    ('image-and-images', dict(images=[IMAGE]), 'parameters are mutually exclusive: image|images'),
    ('neither-image-nor-images', dict(image=None), 'one of the following is required: image, images'),
    ('proxy-caches-and-config-file', dict(config_file='{config}'), 'parameters are mutually exclusive: proxy_caches|config_file'),
    ('neither-rules-nor-config', dict(proxy_caches=None), 'one of the following is required: proxy_caches, config_file'),
    ('rule-without-replacement', dict(proxy_caches=[dict(regex_url='^(.+):(.+)$')]),
     'missing required arguments: replacement_oci found in proxy_caches'),
    ('parallelism-not-a-number', dict(max_parallel_jobs='many'),
     "argument 'max_parallel_jobs' is of type str and we were unable to convert to int: "
     "\"'many'\" cannot be converted to an int"),
    ('zero-parallelism', dict(max_parallel_jobs=0), 'max_parallel_jobs must be at least 1, got 0'),
    ('negative-parallelism', dict(max_parallel_jobs=-4), 'max_parallel_jobs must be at least 1, got -4'),
    ('missing-config-file', dict(proxy_caches=None, config_file='{config}.missing'),
     'cannot read the HarborProxyCachePopulator configuration "{config}.missing": [Errno 2] No such file or directory: \'{config}.missing\''),
    ('invalid-regex', dict(proxy_caches=[dict(regex_url='^(unclosed', replacement_oci='{trap}/v2/x/manifests/1')]),
     'proxy_caches[0].regex_url: regular expression "^(unclosed": missing closing ")" (at offset 10)'),
    ('platform-without-architecture', dict(platforms=['linux']),
     'invalid platform "linux": use the form "os/arch[/variant]", e.g. "linux/amd64" or "linux/arm/v7", or "all"'),
    ('upper-case-repository', dict(image=verdict.reference('Team/App')),
     '1 of 1 images failed: invalid image reference "faults.example/Team/App:1.0": repository names must be lowercase '
     '(use "faults.example/team/app:1.0")'),
]


@pytest.fixture(scope='module')
def refused(tmp_path_factory):
    """Every row, each a task of one playbook, against rules (and a config file) that point at a trap."""
    config = tmp_path_factory.mktemp('bad-input') / 'seed.yaml'
    with Trap() as trap:
        config.write_text('proxyCaches:\n- regexURL: "^(.+):(.+)$"\n  replacementOCI: "%s/v2/$1/manifests/$2"\n' % trap.url)
        calls = []
        for _name, options, _message in TABLE:
            args = dict(image=IMAGE, proxy_caches=[verdict.rule(trap.url)])
            args.update(fill(options, config=str(config), trap=trap.url))
            calls.append(dict((key, value) for key, value in args.items() if value is not None))
        runs = dict(zip((row[0] for row in TABLE), run_modules(calls)))
        return runs, trap.connections, str(config)


@pytest.mark.parametrize('name, _options, message', TABLE, ids=[row[0] for row in TABLE])
def test_refused_with_the_exact_message(refused, name, _options, message):
    runs, _connections, config = refused
    run = runs[name]
    assert run.result.get('failed') is True, run
    verdict.no_traceback(run)
    assert run.result['msg'] == fill(message, config=config), run


def test_nothing_was_sent(refused):
    _runs, connections, _config = refused
    assert connections == 0
