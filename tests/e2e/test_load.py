# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load: 1,000 references (300 unique, three rules) through the module, in check mode and for real, 16 jobs.

Measured, not assumed: the connections open to Harbor at once (its side of the kernel's socket table) and
the module process's peak RSS (the kernel's high-water mark, through a wrapper interpreter).
"""

from __future__ import annotations

import random

import pytest

from ansible_collections.prewarm.harbor.tests.e2e.playbook import run_module
from ansible_collections.prewarm.harbor.tests.faults.measure import ConnectionWatcher, peak_rss_mib, rss_interpreter

REFERENCES = 1000
IMAGES = 100  # three references each (tag, digest, other project): 300 unique
JOBS = 16
MAX_RSS_MIB = 80  # measured here: one image about 34 MiB, these 1,000 about 40 MiB


@pytest.fixture(scope='module')
def workload(stand):
    """The references, in a shuffled order with every unique one repeated, and the rules that map them."""
    fleet = stand.push_fleet(IMAGES, IMAGES * 4096, prefix='load/app')
    unique = []
    for image in fleet:
        unique += ['ecr.example/%s/%s:%s' % (stand.public_project, image.repository, image.tag),
                   'ghcr.example/%s@%s' % (image.repository, image.digest),
                   'quay.example/%s/%s:%s' % (stand.private_project, image.repository, image.tag)]
    references = (unique * (REFERENCES // len(unique) + 1))[:REFERENCES]
    random.Random(6).shuffle(references)
    front = stand.harbor_url
    rules = [dict(regex_url=r'^ecr\.example/([^/]+)/(.+):(.+)$', replacement_oci=front + '/v2/$1/$2/manifests/$3'),
             dict(regex_url=r'^ghcr\.example/(.+)@(sha256:[0-9a-f]{64})$', replacement_oci=front + '/v2/proxy_hub/$1/manifests/$2'),
             dict(regex_url=r'^quay\.example/([^/]+)/(.+):(.+)$', replacement_oci=front + '/v2/$1/$2/manifests/$3')]
    assert len(set(references)) == 3 * IMAGES
    return references, rules


def measured(stand, workload, tmp_path, check):
    references, rules = workload
    interpreter, report = rss_interpreter(str(tmp_path))
    args = dict(images=references, proxy_caches=rules, max_parallel_jobs=JOBS, username=stand.robot_user, password=stand.robot_password)
    with ConnectionWatcher(stand.port('harbor')) as connections:
        run = run_module(args, check=check, env={'ANSIBLE_PYTHON_INTERPRETER': interpreter})
    assert run.returncode == 0, run
    assert [entry['image'] for entry in run.images] == references  # every entry reported, in input order
    return run, connections.peak, peak_rss_mib(report)


def test_check_mode(stand, workload, tmp_path):
    run, connections, rss = measured(stand, workload, tmp_path, check=True)
    assert run.result['summary']['would_warm'] == REFERENCES, run.result['summary']
    assert 2 <= connections <= JOBS, connections
    assert rss < MAX_RSS_MIB, rss
    print('check mode: %s, %d connections at most, %.0f MiB peak RSS' % (run.result['summary'], connections, rss))


def test_for_real(stand, workload, tmp_path):
    run, connections, rss = measured(stand, workload, tmp_path, check=False)
    summary = run.result['summary']
    assert summary['warmed'] + summary['cached'] == REFERENCES and summary['failed'] == 0, summary
    # JOBS kept alive, and on Harbor as many short ones for the blob triggers (each closed at its status line)
    assert 2 <= connections <= 2 * JOBS, connections
    assert rss < MAX_RSS_MIB, rss
    print('for real: %s, %d connections at most, %.0f MiB peak RSS' % (summary, connections, rss))
