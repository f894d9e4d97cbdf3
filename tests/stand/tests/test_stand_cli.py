# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stand's command-line contract, which checks outside this repository rely on (tests/stand/README.md, CLI)."""


import requests

from ansible_collections.prewarm.harbor.tests.stand.cli_run import cli_stand

REQUIRED = ('harbor_url', 'harbor_https_url', 'ca_path', 'public_project', 'private_project', 'robot_user', 'robot_password',
            'upstream_url', 'proxy_url', 'control_url', 'harbor_interval', 'images')


def test_up_writes_stand_json_and_serves_the_control_api(tmp_path):
    with cli_stand(tmp_path / 'cli') as stand:
        assert set(REQUIRED) <= set(stand) and stand['harbor_interval'] == 0.2
        assert requests.get(stand['harbor_url'] + '/api/v2.0/ping', timeout=10).text == 'Pong'
        assert requests.get(stand['harbor_https_url'] + '/api/v2.0/ping', verify=stand['ca_path'], timeout=10).text == 'Pong'
        control = stand['control_url']
        image = stand['images']['schema2']
        repository = f'{stand["public_project"]}/{image["repository"]}'
        answer = requests.get(f'{stand["harbor_url"]}/v2/{repository}/manifests/{image["tag"]}', auth=(stand['robot_user'], stand['robot_password']),
                              headers={'Accept': image['media_type']}, timeout=10)
        assert answer.status_code == 200
        quiet = requests.post(control + '/harbor/quiesce', json={}, timeout=60)  # the store after 10 checks
        assert quiet.status_code == 200 and quiet.json()['result']['quiet'] is True
        assert requests.post(control + '/harbor/fail_store', json={'count': 2}, timeout=10).status_code == 200
        state = requests.get(control + '/harbor/state', timeout=10).json()
        assert state['faults']['failing_stores'] == 2 and state['pending_jobs'] == 0
        assert [item['digest'] for item in state['repositories'][repository]['artifacts']] == [image['digest']]
        assert state['repositories'][repository]['tags'] == {image['tag']: image['digest']}
        assert requests.post(control + '/stop_upstream', json={}, timeout=30).status_code == 200
        try:
            requests.get(stand['upstream_url'] + '/v2/', timeout=5)
            raise AssertionError('upstream still answers after stop_upstream')
        except requests.ConnectionError:
            pass
        assert requests.post(control + '/start_upstream', json={}, timeout=30).status_code == 200
        assert requests.get(stand['upstream_url'] + '/v2/', timeout=5).status_code == 200
