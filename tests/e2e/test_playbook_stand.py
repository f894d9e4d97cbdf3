# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/prewarm.yml end to end on the registry stand's emulated Harbor.

The judge is independent of the playbook: skopeo pulls every image and warmed platform back with upstream stopped
(once Harbor's store jobs are done), Harbor's access log says which requests were sent (and when, for parallelism),
and Harbor's state and storage say whether anything was written.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re

import pytest

from ansible_collections.prewarm.harbor.tests.e2e.playbook import ECR
from ansible_collections.prewarm.harbor.tests.e2e.prewarm_playbook import (
    cronjob, deployment, ecr_reference, item_lines, reference, rules, run_playbook, write_yaml,
)

DEMO_APP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'demo', 'app'))
PLATFORMS = ['linux/amd64', 'linux/arm64']
# The seeded images demo/app references (all of them but the optional large one).
SEEDED = ('oci_index', 'manifest_list', 'schema2', 'oci', 'shared_one', 'shared_two')
DELAY = 2.0  # seconds Harbor holds each manifest GET in the parallelism tests


def expected_platforms(image, wanted=tuple(PLATFORMS)):
    """Which of ``wanted`` an image has (linux/arm64 matches an index entry linux/arm64/v8)."""
    have = [platform.platform for platform in image.platforms]
    return [w for w in wanted if any(p == w or p.startswith(w + '/') for p in have)]


def harbor_variables(stand, **extra):
    variables = {'prewarm_proxy_caches': rules(stand.harbor_url), 'prewarm_platforms': PLATFORMS}
    variables.update(extra)
    return variables


def recap(output):
    """``{host: changed count}`` from the PLAY RECAP."""
    return {host: int(changed) for host, changed in re.findall(r'^(\S+)\s*: ok=\d+\s+changed=(\d+)', output, re.MULTILINE)}


def assert_warmed_and_pullable(stand, play, images):
    """Every image of ``images`` (SeededImages) is ``warmed`` in the report, with exactly the platforms asked for
    that it has, and each of those platforms is pullable from Harbor with upstream stopped."""
    by_image = {entry['image']: entry for entry in play.report['images']}
    for image in images:
        entry = by_image.get(ecr_reference(stand, image))
        assert entry is not None, (image, play.log)
        assert entry['status'] == 'warmed' and entry['changed'] is True, (entry, play.log)
        assert [p['platform'] for p in entry['platforms']] == expected_platforms(image), entry
        assert entry['manifest_url'] == '%s/v2/%s/%s/manifests/%s' % (stand.harbor_url, stand.public_project, image.repository, image.tag)
    assert stand.harbor_quiesce(120)  # what a node pulls offline is what Harbor has committed
    failures = []
    for image in images:
        for platform in expected_platforms(image):
            pulled = stand.oracle_pull(stand.harbor_url, reference(stand, image), platform)
            if not pulled.ok:
                failures.append('%s %s: %s' % (reference(stand, image), platform, pulled.stderr.strip()[-300:]))
    assert not stand.upstream_running
    assert not failures, '\n'.join(failures)


def manifest_get_intervals(entries):
    """``(start, end, repository)`` of every manifest GET (nginx logs the end and the duration)."""
    return sorted((e.time - e.request_time, e.time, e.name) for e in entries if e.kind == 'manifests' and e.method == 'GET')


def most_at_once(intervals):
    """The largest number of ``(start, end, ...)`` intervals open at the same moment (touching ones do not overlap)."""
    events = sorted([(start, 1) for start, _end, *_rest in intervals] + [(end, -1) for _start, end, *_rest in intervals])
    peak = current = 0
    for _when, step in events:  # at equal times -1 sorts first: an end frees its slot before a start takes it
        current += step
        peak = max(peak, current)
    return peak


def per_image(intervals):
    """``(first manifest GET start, last manifest GET end, repository)`` per repository."""
    windows = {}
    for start, end, name in intervals:
        first, last = windows.get(name, (start, end))
        windows[name] = (min(first, start), max(last, end))
    return sorted((first, last, name) for name, (first, last) in windows.items())


@dataclasses.dataclass
class Observed:
    """One playbook run and what the stand saw during it."""

    play: object
    log: list
    before: tuple
    after: tuple

    def requests(self, kind, method):
        return [e for e in self.log if e.kind == kind and e.method == method]


def stored(stand):
    """What Harbor holds: its database (after its jobs ended) and its registry's storage."""
    assert stand.harbor_quiesce(120)
    return stand.harbor_holdings()


def observe(stand, tmp_path, variables, check=False, args=()):
    """Run the playbook and record Harbor's log, and what Harbor holds before and after."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    before = stored(stand)
    mark = stand.harbor_log_mark()
    play = run_playbook(tmp_path, variables, check=check, args=args)
    return Observed(play, stand.harbor_log(since=mark), before, stored(stand))


# --- demo/app through kubectl/kustomize: dry run, warm, warm again (one cold cache, three runs) ----------------------

@pytest.fixture(scope='module')
def kustomized(stand, tmp_path_factory):
    """demo/app on a cold cache: ``check`` (--check), then ``warm``, then ``again``."""
    stand.restore_defaults()  # a module fixture starts before the per-test defaults: a previous test may have stopped upstream
    stand.reset_cache()
    variables = harbor_variables(stand, prewarm_kustomize=[DEMO_APP], prewarm_parallel=3)
    runs = {}
    for name, check in (('check', True), ('warm', False), ('again', False)):
        runs[name] = observe(stand, tmp_path_factory.mktemp(name), variables, check=check)
    return runs


def test_check_mode_pulls_nothing_and_lists_what_it_would_warm(stand, kustomized):
    run = kustomized['check']
    play = run.play
    assert play.returncode == 0, play.log
    expected = sorted(ecr_reference(stand, stand.images[key]) for key in SEEDED)
    assert [entry['image'] for entry in play.report['images']] == expected, play.log
    assert {entry['status'] for entry in play.report['images']} == {'would_warm'}, play.log
    assert play.report['summary']['check_mode'] is True and play.report['summary']['would_warm'] == len(SEEDED)
    assert 'DRY RUN' in play.output
    for image in expected:
        assert image in play.output.split('would warm:')[-1], play.log
    assert run.after == run.before, 'the dry run wrote to the cache'
    # Only HEADs on manifests and blobs: a GET would pull through the proxy (and write to the cache).
    assert {e.method for e in run.log if e.kind} == {'HEAD'}, sorted({(e.method, e.kind, e.path) for e in run.log if e.kind})
    headed = {e.name for e in run.requests('manifests', 'HEAD')}
    assert headed == {'%s/%s' % (stand.public_project, stand.images[key].repository) for key in SEEDED}


def test_kustomization_is_warmed_and_pullable_with_upstream_stopped(stand, kustomized):
    run = kustomized['warm']
    play = run.play
    assert play.returncode == 0, play.log
    assert [entry['image'] for entry in play.report['images']] == sorted(ecr_reference(stand, stand.images[key]) for key in SEEDED)
    assert play.report['summary']['warmed'] == len(SEEDED) and play.report['summary']['bytes_pulled'] > 0, play.report['summary']
    assert any('kustomize' in source for source in play.report['sources']), play.report['sources']
    assert run.requests('blobs', 'GET'), 'nothing was pulled'
    # Three lanes (prewarm_parallel), and a line per image as it completes, naming it.
    lanes = sorted(host for host in recap(play.output) if host.startswith('prewarm-'))
    assert lanes == ['prewarm-default-1', 'prewarm-default-2', 'prewarm-default-3'], play.log
    lines = item_lines(play.output)
    assert sorted(image for _outcome, _lane, image in lines) == sorted(ecr_reference(stand, stand.images[key]) for key in SEEDED), play.log
    assert {outcome for outcome, _lane, _image in lines} == {'changed'}, lines
    assert 'not yet: due by ' in play.output, play.output  # Harbor's commit is still to come, and the summary says when
    assert_warmed_and_pullable(stand, play, [stand.images[key] for key in SEEDED])
    # The judge can say no: a platform that was not asked for was not warmed.
    multi = stand.images['oci_index']
    assert not stand.oracle_pull(stand.harbor_url, reference(stand, multi), 'linux/arm/v7').ok


def test_second_run_is_cached_unchanged_and_reads_no_blob(kustomized):
    run = kustomized['again']
    play = run.play
    assert play.returncode == 0, play.log
    assert len(play.report['images']) == len(SEEDED)
    assert {entry['status'] for entry in play.report['images']} == {'cached'}, play.log
    assert not any(entry['changed'] for entry in play.report['images']), play.report['images']
    assert play.report['summary']['cached'] == len(SEEDED) and play.report['summary']['bytes_pulled'] == 0
    lines = item_lines(play.output)
    assert len(lines) == len(SEEDED) and {outcome for outcome, _lane, _image in lines} == {'ok'}, (lines, play.log)
    assert run.requests('blobs', 'GET') == [], [e.path for e in run.requests('blobs', 'GET')]
    assert [e for e in run.log if e.path.startswith('/api/v2.0/projects/')], 'cached was decided without asking Harbor'
    assert 'Harbor: %d committed' % len(SEEDED) in play.output, play.output


# --- a rendered file ------------------------------------------------------------------------------------------------

def test_rendered_file_is_warmed_and_pullable_with_upstream_stopped(stand, tmp_path):
    stand.reset_cache()
    images = {key: ecr_reference(stand, stand.images[key]) for key in SEEDED}
    write_yaml(tmp_path / 'render.yaml', [
        {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'shop'}},
        deployment('web', images['oci_index'], images['manifest_list'], init=[images['schema2']]),
        None,
        {'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'cfg'}, 'data': {'image': 'not/an:image'}},
        deployment('worker', images['shared_one'], images['shared_two']),
        cronjob('nightly', images['oci']),
        deployment('web-canary', images['oci_index']),  # the same image again
    ])
    play = run_playbook(tmp_path, harbor_variables(stand, prewarm_manifests=['render.yaml'], prewarm_parallel=3), check=False)
    assert play.returncode == 0, play.log
    assert [entry['image'] for entry in play.report['images']] == sorted(images.values()), play.log
    assert play.report['summary']['warmed'] == len(SEEDED), play.report['summary']
    assert '%d images: %d warmed, 0 cached, 0 would warm, 0 unmatched, 0 failed' % (len(SEEDED), len(SEEDED)) in play.output, play.log
    assert_warmed_and_pullable(stand, play, [stand.images[key] for key in SEEDED])


# --- a failed image -------------------------------------------------------------------------------------------------

def test_a_missing_tag_fails_the_run_with_its_message_while_the_others_are_warmed(stand, tmp_path):
    stand.reset_cache()
    good = [stand.images['manifest_list'], stand.images['schema2']]
    missing = '%s/%s/library/schema2:does-not-exist' % (ECR, stand.public_project)
    play = run_playbook(tmp_path, harbor_variables(
        stand, prewarm_images=[ecr_reference(stand, image) for image in good] + [missing]), check=False)
    assert play.returncode != 0, play.log
    assert play.report is not None, play.log
    failed = [entry for entry in play.report['images'] if entry['status'] == 'failed']
    assert [entry['image'] for entry in failed] == [missing], play.report['images']
    message = failed[0]['msg']
    assert 'does-not-exist' in message and 'not found' in message, message
    summary = play.report['summary']
    assert (summary['images'], summary['warmed'], summary['failed']) == (3, 2, 1), summary
    # The summary lists the failure with the module's message, and the final error repeats it (both printed by
    # ansible as JSON strings).
    shown = json.dumps(message)[1:-1]
    assert '"failed:"' in play.output, play.log
    assert shown in play.output.split('"failed:"')[-1].split('TASK [')[0], (message, play.log)
    assert '1 of 3 images failed: %s' % shown in play.output, (message, play.log)
    assert_warmed_and_pullable(stand, play, good)


# --- parallelism, measured from Harbor's access log ---------------------------------------------------------------

@pytest.fixture(scope='module')
def tiny_images(stand):
    """Six small single-platform images no other test warms (one manifest each, so one delayed 200 GET each)."""
    stand.restore_defaults()  # pushing needs upstream, which the previous test's skopeo pulls stopped
    return [stand.push_image('parallel/app-%d' % i, '1.0', layer_bytes=1024) for i in range(6)]


def warm_slowly(stand, tmp_path, images, parallel):
    """Warm ``images`` with every manifest GET held DELAY s at Harbor, throttled to ``parallel`` while --forks
    would allow all of them at once."""
    stand.reset_cache()
    stand.set_manifest_delay(DELAY)
    try:
        run = observe(stand, tmp_path, {
            'prewarm_images': [ecr_reference(stand, image) for image in images],
            'prewarm_proxy_caches': rules(stand.harbor_url),
            'prewarm_parallel': parallel,
        }, args=['--forks', str(len(images))])
    finally:
        stand.set_manifest_delay(0)
    assert run.play.returncode == 0, run.play.log
    assert {entry['status'] for entry in run.play.report['images']} == {'warmed'}, run.play.log
    intervals = manifest_get_intervals(run.log)
    # Every manifest GET was held (an anonymous GET answered 401 is held too: the switch acts before authorisation).
    assert intervals and all(end - start >= DELAY * 0.9 for start, end, _name in intervals), intervals
    names = {'%s/%s' % (stand.public_project, image.repository) for image in images}
    assert {name for _start, _end, name in intervals} == names
    return run, intervals


def test_prewarm_parallel_3_runs_three_images_at_once_and_six_take_two_rounds(stand, tmp_path, tiny_images):
    _run, intervals = warm_slowly(stand, tmp_path, tiny_images, parallel=3)
    windows = per_image(intervals)
    # One image, one "round": its manifest GETs one after another (the module fetches one image's manifests in turn).
    gets_per_image = len(intervals) / len(tiny_images)
    round_seconds = gets_per_image * DELAY
    span = max(end for _start, end, _name in intervals) - min(start for start, _end, _name in intervals)
    serial = sum(end - start for start, end, _name in intervals)
    measured = 'requests at once %d, images at once %d, %.0f manifest GETs/image, span %.2f s, serial sum %.2f s, %.2f rounds' % (
        most_at_once(intervals), most_at_once(windows), gets_per_image, span, serial, span / round_seconds)
    print(measured)
    assert most_at_once(intervals) == 3, measured
    assert most_at_once(windows) == 3, measured
    # Two rounds of three: the first three images overlap, so do the last three, and each of the last three started
    # only when one more of the first three had finished.
    assert most_at_once(windows[:3]) == 3 and most_at_once(windows[3:]) == 3, windows
    first_ends = sorted(end for _start, end, _name in windows[:3])
    assert all(windows[3 + i][0] >= first_ends[i] - 0.05 for i in range(3)), windows
    # Not six rounds one after another, nor three: a wide margin both ways (overhead is forks starting, tokens).
    assert 2 * round_seconds * 0.95 <= span < 3 * round_seconds, measured
    assert span < serial / 2, measured


def test_prewarm_parallel_1_is_serial(stand, tmp_path, tiny_images):
    """The same measurement sees one at a time when asked: it can tell parallel from serial."""
    images = tiny_images[:2]
    _run, intervals = warm_slowly(stand, tmp_path, images, parallel=1)
    windows = per_image(intervals)
    print('parallel 1: requests at once %d, images at once %d, windows %s' % (
        most_at_once(intervals), most_at_once(windows), [(round(b - a, 2), name) for a, b, name in windows]))
    assert most_at_once(intervals) == 1 and most_at_once(windows) == 1, windows
    assert windows[1][0] >= windows[0][1], windows


def test_a_warm_through_a_plain_proxy_has_no_harbor_line_and_pulls_offline(stand, tmp_path):
    """The same playbook in front of a plain distribution proxy: every image warmed, the summary without Harbor's
    commit line (nothing there can tell), and the images pull from the proxy with upstream stopped."""
    stand.reset_cache()
    images = [stand.images[key] for key in ('oci_index', 'schema2')]
    rule = {'regex_url': '^.*amazonaws.com/proxy_[^/]+/([^:]+):(.+)$', 'replacement_oci': stand.proxy_url + '/v2/$1/manifests/$2'}
    play = run_playbook(tmp_path, {'prewarm_images': [ecr_reference(stand, image) for image in images],
                                   'prewarm_proxy_caches': [rule], 'prewarm_platforms': ['linux/amd64']}, check=False)
    assert play.returncode == 0, play.log
    assert [entry['status'] for entry in play.report['images']] == ['warmed', 'warmed'], play.log
    assert 'Harbor:' not in play.output and play.report['summary']['harbor_pending'] == 0
    for image in images:
        assert stand.oracle_pull(stand.proxy_url, '%s:%s' % (image.repository, image.tag), 'linux/amd64').ok, image
