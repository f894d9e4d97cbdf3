# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbook's report from lanes' registered results: nothing lost, counted per cache, failures named."""

from __future__ import annotations

from ansible_collections.prewarm.harbor.plugins.plugin_utils._report import build_report, lines


def lane(name, cache, images):
    return {'name': name, 'cache': cache, 'images': images}


def warmed(image, size):
    return {'images': [{'image': image, 'status': 'warmed', 'changed': True, 'seconds': 1.5,
                        'platforms': [{'platform': 'linux/amd64', 'bytes_pulled': size, 'blobs_pulled': 2}]}]}


def test_every_image_is_accounted_for_even_without_a_result():
    plan = {'lanes': [lane('prewarm-eu-1', 'eu', ['a:1', 'b:1']), lane('prewarm-us-1', 'us', ['a:1'])],
            'settled': [{'image': 'q:1', 'status': 'unmatched', 'changed': False}], 'caches': ['eu', 'us'], 'parallel': 2}
    registered = [
        # b:1's item crashed the module (no images in its result); us's lane never ran
        {'results': [warmed('a:1', 100), {'failed': True, 'msg': 'MODULE FAILURE', 'module_stderr': 'Traceback ...'}]},
        {},
    ]
    report = build_report(plan, registered, 3.0, False)
    assert [(entry['image'], entry.get('cache'), entry['status']) for entry in report['images']] == [
        ('a:1', 'eu', 'warmed'), ('a:1', 'us', 'failed'), ('b:1', 'eu', 'failed'), ('q:1', None, 'unmatched')]
    assert report['summary']['caches']['eu']['bytes_pulled'] == 100 and report['summary']['caches']['us']['failed'] == 1
    assert report['failures'] == ['a:1: the warm did not run on prewarm-us-1 via us',
                                  'b:1: MODULE FAILURE: Traceback ... via eu']
    assert report['msg'].startswith('2 of 4 images failed: a:1: the warm did not run on prewarm-us-1; b:1: MODULE FAILURE')
    shown = lines(report, [])
    assert shown[0] == '3 images x 2 caches: 1 warmed, 0 cached, 0 would warm, 1 unmatched, 2 failed; 3.0 s in all, up to 2 at once'
    assert '  eu: 1 warmed, 0 cached, 0 would warm, 0 unmatched, 1 failed, pulled 100.00 Bytes in 2 blobs' in shown


def test_no_images_names_the_sources():
    report = build_report({'lanes': [], 'settled': [], 'caches': ['default'], 'parallel': 2}, [], 0.1, True)
    assert lines(report, ['render.yaml']) == ['no images found in render.yaml']


def test_each_harbor_s_release_and_retention_reach_the_playbook_s_summary():
    plan = {'lanes': [lane('prewarm-1', 'default', ['a:1'])], 'settled': [], 'caches': ['default'], 'parallel': 1}
    item = warmed('a:1', 0)
    item['images'][0]['harbor'] = {'committed': True}
    retention = {'rules': ['retain nDaysSinceLastPull=7, tags **'], 'days_since_last_pull': 7, 'schedule': '0 0 0 * * *',
                 'note': None, 'warm_lost_after': '2026-12-14T10:00:00.000Z'}
    item['summary'] = {'harbor_versions': {'https://h': 'v2.15.2-c50c7ddd'}, 'harbor_retention': {'https://h/proxy_hub': retention}}
    report = build_report(plan, [{'results': [item]}], 1.0, False)
    assert report['summary']['harbor_versions'] == {'https://h': 'v2.15.2-c50c7ddd'}
    assert report['summary']['harbor_retention']['https://h/proxy_hub'] == retention
    assert ('  https://h/proxy_hub: retention deletes this warm after 2026-12-14T10:00:00.000Z unless something pulls it '
            'through Harbor (retain nDaysSinceLastPull=7, tags **)') in lines(report, [])


def test_the_signatures_found_are_counted_and_one_on_an_index_digest_is_called_out():
    plan = {'lanes': [lane('prewarm-1', 'default', ['a:1', 'b:1'])], 'settled': [], 'caches': ['default'], 'parallel': 1}
    first, second = warmed('a:1', 0), warmed('b:1', 0)
    first['images'][0]['signatures'] = [{'kind': 'sig', 'status': 'warmed'}, {'kind': 'att', 'status': 'cached'}]
    second['images'][0]['signatures'] = [{'kind': 'sig', 'status': 'warmed', 'verifies_offline': False}]
    report = build_report(plan, [{'results': [first, second]}], 1.0, False)
    assert report['summary']['signatures'] == dict(warmed=2, cached=1, would_warm=0, failed=0, not_verifiable_offline=1)
    assert ("signatures: 2 warmed, 1 already cached; 1 will not verify offline through Harbor, made on an upstream index "
            "digest or on a release before v2.10 (see each image's signatures[].note)") in lines(report, [])
