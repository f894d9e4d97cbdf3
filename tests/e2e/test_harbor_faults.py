# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a real Harbor fails in production (docs/harbor.md 8.3, 10), made to happen on the emulated Harbor mid-run:
each image recovered or failed with a message naming the cause, never a false ``warmed`` or ``cached``; whatever
the run says is warmed pulls offline with skopeo and containerd."""

import os
import signal
import subprocess
import threading
import time

import pytest

from ansible_collections.prewarm.harbor.tests.e2e.playbook import Play, ecr, in_project, rule, run_module, warm
from ansible_collections.prewarm.harbor.tests.faults.actions import delay, status
from ansible_collections.prewarm.harbor.tests.faults.proxy import FaultProxy
from ansible_collections.prewarm.harbor.tests.stand.fixtures import HARBOR_INTERVAL
from ansible_collections.prewarm.harbor.tests.stand.judge import offline

SCALED = dict(harbor_check_interval=HARBOR_INTERVAL, platforms=['linux/amd64'])


@pytest.fixture
def cold(stand):
    stand.reset_cache()
    yield stand
    stand.set_upstream_fault('ok')
    stand.start_harbor()


def later(seconds, action):
    """``action()`` in ``seconds``, on a thread (joined by the caller)."""
    thread = threading.Thread(target=lambda: (time.sleep(seconds), action()), daemon=True)
    thread.start()
    return thread


def test_upstream_rate_limit_through_harbor_serves_what_harbor_holds_and_names_the_limit_for_the_rest(cold):
    """Docker Hub's 429 reaches Harbor: an image Harbor holds is answered from its copy (2.1 step 4: cached, no
    upstream needed); one it does not hold gets 429, is retried, and fails naming the rate limit; never warmed."""
    held, fresh = cold.images['schema2'], cold.images['oci']
    first = warm(cold, [ecr(cold.public_project, held)], wait_for_commit=60, **SCALED)
    assert first.images[0]['status'] == 'warmed', first
    cold.set_upstream_fault('rate_limited')
    run = warm(cold, [ecr(cold.public_project, held), ecr(cold.public_project, fresh)], **SCALED)
    kept, limited = run.images
    assert (kept['status'], kept['harbor']['committed']) == ('cached', True), run
    assert limited['status'] == 'failed' and '429' in limited['msg'] and 'rate limit' in limited['msg'], limited
    assert limited['retries'] >= 1
    assert offline(cold, in_project(cold.public_project, held), 'linux/amd64') == (True, True)


def test_a_rate_limit_lifted_within_the_retries_warms(cold):
    """Harbor sends no Retry-After with its 429; the module's retries (backoff 0.5, 1, 2 s) outlast a short limit."""
    image = cold.images['oci']
    cold.set_upstream_fault('rate_limited')
    lifted = later(1.0, lambda: cold.set_upstream_fault('ok'))
    run = warm(cold, [ecr(cold.public_project, image)], wait_for_commit=60, **SCALED)
    lifted.join()
    entry = run.images[0]
    assert entry['status'] == 'warmed' and entry['retries'] >= 1 and entry['harbor']['committed'], run
    assert offline(cold, in_project(cold.public_project, image), 'linux/amd64') == (True, True)


@pytest.mark.parametrize('outage', [1.5, 8.0])
def test_harbor_restarting_mid_run_is_survived_or_reported_per_image(cold, outage):
    """Harbor's core goes away (connections refused) as the run starts warming and comes back ``outage`` seconds
    later: within the retries (about 3.5 s) every image recovers; beyond them an image fails naming the connection;
    an image said warmed pulls offline once committed, and the run ends."""
    keys = ('schema2', 'oci', 'manifest_list', 'oci_index', 'shared_one', 'shared_two')
    mark = cold.harbor_log_mark()

    def restart():
        deadline = time.time() + 60
        while time.time() < deadline and not [e for e in cold.harbor_log(since=mark) if e.kind == 'manifests']:
            time.sleep(0.01)
        cold.stop_harbor()
        time.sleep(outage)
        cold.start_harbor()

    restarted = later(0, restart)
    run = warm(cold, [ecr(cold.public_project, cold.images[key]) for key in keys], wait_for_commit=60, **SCALED)
    restarted.join()
    assert {entry['status'] for entry in run.images} <= {'warmed', 'failed'}, run
    if outage < 3:
        assert [entry['status'] for entry in run.images] == ['warmed'] * len(keys), run
        assert sum(entry['retries'] for entry in run.images) >= 1, run  # the outage was met, and retried through
    else:
        assert 'failed' in {entry['status'] for entry in run.images}, run
    for key, entry in zip(keys, run.images):
        if entry['status'] == 'failed':
            assert 'connect' in entry['msg'].lower() or 'refused' in entry['msg'].lower(), entry
        else:
            assert entry['harbor']['committed'], entry
            assert offline(cold, in_project(cold.public_project, cold.images[key]), 'linux/amd64') == (True, True), key


def test_the_load_balancer_s_502_and_503_while_core_restarts_are_retried_through(cold):
    """In front of Harbor, a load balancer answers 502, then 503, while core restarts (1.5 s, from the run's first
    blob request): retried with backoff, every image warmed, committed and pulling offline.

    To blob requests only: with Harbor's timers scaled 80 times, an index GET held back by the client's backoff
    (about 3 s, unscaled) would stand for four minutes of Harbor's time, and can use up the 7.5 s in which Harbor
    ties an index's tag after its HEAD (docs/harbor.md 3.2): the stand's artefact, not the module's. Refused
    connections on every request are the restart test's."""
    keys = ('schema2', 'oci', 'manifest_list', 'oci_index')
    with FaultProxy(cold.harbor_url) as balancer:
        def restart():
            deadline = time.time() + 60
            while time.time() < deadline and not balancer.requests(None, '/blobs/'):
                time.sleep(0.01)
            balancer.inject(status(502), None, '^/v2/.+/blobs/', times=None)
            time.sleep(0.7)
            balancer.disarm()
            balancer.inject(status(503), None, '^/v2/.+/blobs/', times=None)
            time.sleep(0.8)
            balancer.disarm()

        restarted = later(0, restart)
        run = run_module(dict(images=[ecr(cold.public_project, cold.images[key]) for key in keys],
                              proxy_caches=[rule(balancer.url)], wait_for_commit=60, **SCALED))
        restarted.join()
        refused = [seen.status for seen in balancer.requests() if seen.status in (502, 503)]
    assert {502, 503} <= set(refused), refused  # the restart was met
    assert [entry['status'] for entry in run.images] == ['warmed'] * len(keys), run
    assert sum(entry['retries'] for entry in run.images) >= 1, run
    for key, entry in zip(keys, run.images):
        assert entry['harbor']['committed'], entry
        assert offline(cold, in_project(cold.public_project, cold.images[key]), 'linux/amd64') == (True, True), key


def test_an_index_whose_tag_job_ended_before_harbor_stored_it_is_failed_naming_why(cold):
    """Harbor ties an index's tag only in the EnsureTag job our HEAD starts (7.5 s here, 600 s in Harbor), and
    answers later HEADs from its list cache without starting another (docs/harbor.md 3.2). A child manifest held
    back past that window (a slow store) leaves the tag untied for good: failed, saying so and what to do, not
    "check Harbor core's log"; the platform still pulls offline by digest."""
    image = cold.push_image('faults/tag-job-over', '1.0', platforms=('linux/amd64', 'linux/arm64'))
    child = image.platform('linux/amd64').digest
    with FaultProxy(cold.harbor_url) as slow:
        slow.inject(delay(8.0), 'GET', '/manifests/' + child, times=1)
        run = run_module(dict(images=[ecr(cold.public_project, image)], proxy_caches=[rule(slow.url)], wait_for_commit=30,
                              **SCALED))
    entry = run.images[0]
    assert entry['status'] == 'failed' and 'EnsureTag' in entry['msg'] and 'docs/harbor.md 3.2' in entry['msg'], entry
    assert entry['harbor']['committed'] is False and entry['harbor']['platforms'] == ['linux/amd64'], entry
    pinned = '%s/%s@%s' % (cold.public_project, image.repository, child)
    assert offline(cold, pinned, 'linux/amd64') == (True, True)


def test_a_tag_moved_upstream_between_two_runs_is_warmed_again_never_cached(cold):
    """The second run names the digest upstream's tag has now and the one Harbor holds under it; the tag is not
    ``cached`` until Harbor holds the new digest, and then pulls offline as the new image."""
    image = cold.push_image('faults/moving', '1.0', fmt='docker')
    first = warm(cold, [ecr(cold.public_project, image)], wait_for_commit=60, **SCALED)
    assert first.images[0]['status'] == 'warmed' and first.images[0]['harbor']['digest'] == image.digest, first
    moved = cold.push_image('faults/moving', '1.0', fmt='docker', layer_bytes=4097)
    assert moved.digest != image.digest
    again = warm(cold, [ecr(cold.public_project, image)], **SCALED)
    entry = again.images[0]
    assert (entry['status'], entry['digest']) == ('warmed', moved.digest), again
    assert entry['harbor']['committed'] is False and entry['harbor']['digest'] == image.digest, entry  # Harbor's, still old
    settled = warm(cold, [ecr(cold.public_project, image)], wait_for_commit=60, **SCALED)
    assert (settled.images[0]['status'], settled.images[0]['harbor']['digest']) in (('warmed', moved.digest), ('cached', moved.digest)), settled
    assert cold.harbor_quiesce(60)
    repository = in_project(cold.public_project, image).split(':')[0]
    assert cold.harbor_state()['repositories'][repository]['tags']['1.0'] == moved.digest
    assert offline(cold, in_project(cold.public_project, image), 'linux/amd64') == (True, True)


def test_a_tag_moved_upstream_during_the_warm_names_what_was_warmed_and_the_next_run_warms_the_new_one(cold):
    """Upstream moves the tag while the run warms (after our HEAD and index GET, before Harbor's commit): Harbor
    commits the index it fetched, under the tag (EnsureTag of our HEAD's digest), and the result names that digest,
    not the new one; the next run is not ``cached``: it warms the new digest, which then pulls offline."""
    platforms = ('linux/amd64', 'linux/arm64')
    image = cold.push_image('faults/moving-mid-run', '1.0', platforms=platforms)
    mark = cold.harbor_log_mark()
    moved = {}

    def move():
        deadline = time.time() + 60
        while time.time() < deadline and not [e for e in cold.harbor_log(since=mark) if e.kind == 'blobs']:
            time.sleep(0.01)
        moved['image'] = cold.push_image('faults/moving-mid-run', '1.0', platforms=platforms, layer_bytes=4097)

    mover = later(0, move)
    args = dict(platforms=list(platforms), harbor_check_interval=HARBOR_INTERVAL, wait_for_commit=60)
    run = warm(cold, [ecr(cold.public_project, image)], **args)
    mover.join()
    entry, new = run.images[0], moved['image']
    assert new.digest != image.digest
    assert (entry['status'], entry['digest'], entry['harbor']['committed']) == ('warmed', image.digest, True), entry
    assert {p['digest'] for p in entry['platforms']} == {p.digest for p in image.platforms}, entry
    again = warm(cold, [ecr(cold.public_project, image)], **args).images[0]
    assert (again['status'], again['digest'], again['harbor']['committed']) == ('warmed', new.digest, True), again
    assert {p['digest'] for p in again['platforms']} == {p.digest for p in new.platforms}, again
    for platform in platforms:
        assert offline(cold, in_project(cold.public_project, image), platform) == (True, True), platform


def test_a_run_killed_mid_warm_is_completed_by_the_next(cold):
    """SIGKILL to the whole ansible-playbook process group once Harbor has seen the run's first blob request; the
    next run warms (or finds cached) every image, truthfully, and each pulls offline."""
    keys = ('schema2', 'oci', 'manifest_list', 'oci_index')
    args = dict(images=[ecr(cold.public_project, cold.images[key]) for key in keys], proxy_caches=[rule(cold.harbor_url)],
                wait_for_commit=60, **SCALED)
    play = Play(args)
    mark = cold.harbor_log_mark()
    process = subprocess.Popen(play.command, env=play.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not [e for e in cold.harbor_log(since=mark) if e.kind == 'blobs']:
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        assert play.result() == {}  # killed before it could say anything: nothing half-written
    finally:
        play.remove()
    run = warm(cold, args['images'], wait_for_commit=60, **SCALED)
    assert [entry['status'] for entry in run.images if entry['status'] not in ('warmed', 'cached')] == [], run
    for key, entry in zip(keys, run.images):
        assert entry['harbor']['committed'], entry
        assert offline(cold, in_project(cold.public_project, cold.images[key]), 'linux/amd64') == (True, True), key


def test_upstream_black_holed_while_harbor_counts_it_healthy_is_bounded_and_named(cold):
    """Packets to upstream dropped: each Harbor lookup waits its dial timeout (30 s; 3 s here) and then answers from
    its own storage (docs/harbor.md 2.9). An image Harbor holds is cached; one it does not fails naming Harbor's
    upstream connection, not a missing tag; the run takes about one timeout per request by tag, and says so."""
    held, fresh = cold.images['schema2'], cold.images['oci']
    assert warm(cold, [ecr(cold.public_project, held)], wait_for_commit=60, **SCALED).images[0]['status'] == 'warmed'
    cold.set_upstream_fault('black_holed', delay=3.0)
    started = time.time()
    run = warm(cold, [ecr(cold.public_project, held), ecr(cold.public_project, fresh)], **SCALED)
    took = time.time() - started
    kept, lost = run.images
    assert kept['status'] == 'cached' and kept['seconds'] >= 3.0, run
    assert lost['status'] == 'failed' and "Harbor's connection to upstream" in lost['msg'], lost
    assert took < 30 and run.result['summary']['seconds'] < 20, (took, run)
    assert offline(cold, in_project(cold.public_project, held), 'linux/amd64') == (True, True)
