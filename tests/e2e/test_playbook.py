# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/prewarm.yml through ansible-playbook, without a registry.

Check mode against a plain proxy (cache_flavor distribution) sends no request, so rendering, extraction, rule
matching and the report can be checked with rules pointing at a port nothing listens on. A small in-process HTTP
server that answers every request slowly with 404 measures how many images really run at once, and gives failures.
"""

from __future__ import annotations

import http.server
import json
import os
import stat
import threading
import time

import pytest

from ansible_collections.prewarm.harbor.tests.e2e.playbook import ECR, SEED_REGEX
from ansible_collections.prewarm.harbor.tests.e2e.prewarm_playbook import NOWHERE, cronjob, deployment, rules, run_playbook, write_yaml


def ecr(path):
    return '%s/%s' % (ECR, path)


class SlowRegistry:
    """Answers every request with 404 MANIFEST_UNKNOWN after ``delay`` seconds; records how many were in flight."""

    def __init__(self, delay):
        self.delay = delay
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                with owner.lock:
                    owner.in_flight += 1
                    owner.max_in_flight = max(owner.max_in_flight, owner.in_flight)
                    owner.requests.append((time.monotonic(), self.command, self.path))
                time.sleep(owner.delay)
                with owner.lock:
                    owner.in_flight -= 1
                body = json.dumps({'errors': [{'code': 'MANIFEST_UNKNOWN', 'message': 'slow stand-in'}]}).encode()
                self.send_response(404)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# --- rendered files ------------------------------------------------------------------------------------------------

def test_rendered_file_dry_run(tmp_path):
    """A multi-document render: every matched image would be warmed, one without a rule is reported unmatched."""
    alpine, busybox, nginx = ecr('proxy_hub/library/alpine:3.16'), ecr('proxy_hub/library/busybox:1.36'), ecr('proxy_hub/library/nginx:1.27')
    other = 'quay.io/prometheus/node-exporter:v1.8.2'
    write_yaml(tmp_path / 'render.yaml', [
        deployment('web', nginx, other, init=[busybox]),
        None,
        {'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'cfg'}, 'data': {'a': 'b'}},
        deployment('web2', nginx),  # duplicate across documents
    ])
    play = run_playbook(tmp_path, {
        'prewarm_manifests': ['render.yaml'],
        'prewarm_images': [alpine, nginx],
        'prewarm_proxy_caches': rules(),
        'prewarm_cache_flavor': 'distribution',
    })
    assert play.returncode == 0, play.log
    assert sorted(entry['image'] for entry in play.report['images']) == sorted([alpine, busybox, nginx, other])
    for image in (alpine, busybox, nginx):
        assert play.status(image) == 'would_warm', play.log
    alpine_entry = [entry for entry in play.report['images'] if entry['image'] == alpine][0]
    assert alpine_entry['manifest_url'] == NOWHERE + '/v2/proxy_hub/library/alpine/manifests/3.16'
    assert alpine_entry['rule'] == 0
    assert [p['platform'] for p in alpine_entry['platforms']] == ['linux/amd64']
    assert play.status(other) == 'unmatched'
    summary = play.report['summary']
    assert (summary['images'], summary['would_warm'], summary['unmatched'], summary['failed']) == (4, 3, 1, 0)
    assert summary['check_mode'] is True and summary['bytes_pulled'] == 0
    assert str(tmp_path / 'render.yaml') in play.report['sources']
    # the dry run shows rule, manifest URL and platforms of each image
    assert 'DRY RUN' in play.output
    assert 'rule 0: %s/v2/proxy_hub/library/busybox/manifests/1.36 [linux/amd64]' % NOWHERE in play.output
    assert 'unmatched (no rule applies, not warmed)' in play.output


def test_directories_and_globs(tmp_path):
    """A directory is searched recursively for *.yaml/*.yml; globs expand (** too); other files are ignored."""
    images = [ecr('proxy_hub/team/app%d:1.0' % i) for i in range(5)]
    write_yaml(tmp_path / 'dir' / 'a.yaml', [deployment('a', images[0])])
    write_yaml(tmp_path / 'dir' / 'deep' / 'b.yml', [deployment('b', images[1])])
    write_yaml(tmp_path / 'dir' / 'deep' / 'c.json', [deployment('c', ecr('proxy_hub/team/ignored:1'))])
    write_yaml(tmp_path / 'globbed' / 'x' / 'one.yaml', [deployment('x', images[2])])
    write_yaml(tmp_path / 'globbed' / 'y' / 'two.yaml', [deployment('y', images[3])])
    write_yaml(tmp_path / 'far' / 'a' / 'b' / 'c' / 'three.yaml', [cronjob('z', images[4])])
    play = run_playbook(tmp_path, {
        'prewarm_manifests': ['dir', str(tmp_path / 'globbed' / '*' / '*.yaml'), 'far/**/three.yaml'],
        'prewarm_proxy_caches': rules(),
        'prewarm_cache_flavor': 'distribution',
    })
    assert play.returncode == 0, play.log
    assert sorted(entry['image'] for entry in play.report['images']) == sorted(images)
    assert {entry['status'] for entry in play.report['images']} == {'would_warm'}


def test_kustomization_dry_run(tmp_path):
    """A kustomization (Deployment + CronJob, ECR-style references) is rendered, so its image overrides apply."""
    base = tmp_path / 'app'
    write_yaml(base / 'deployment.yaml', [deployment('web', ecr('proxy_hub/library/nginx:1.25'),
                                                     init=[ecr('proxy_hub/library/busybox:1.36')])])
    write_yaml(base / 'cronjob.yaml', [cronjob('backup', ecr('proxy_hub/library/alpine:3.16'))])
    write_yaml(base / 'kustomization.yaml', [{
        'apiVersion': 'kustomize.config.k8s.io/v1beta1', 'kind': 'Kustomization',
        'resources': ['deployment.yaml', 'cronjob.yaml'],
        # only rendering applies this: the files themselves still say 1.25
        'images': [{'name': ecr('proxy_hub/library/nginx'), 'newTag': '1.27'}],
    }])
    play = run_playbook(tmp_path, {
        'prewarm_kustomize': ['app'],
        'prewarm_proxy_caches': rules(),
        'prewarm_cache_flavor': 'distribution',
        'prewarm_platforms': ['linux/amd64', 'linux/arm64'],
    })
    assert play.returncode == 0, play.log
    expected = [ecr('proxy_hub/library/alpine:3.16'), ecr('proxy_hub/library/busybox:1.36'), ecr('proxy_hub/library/nginx:1.27')]
    assert [entry['image'] for entry in play.report['images']] == expected, play.log
    for entry in play.report['images']:
        assert entry['status'] == 'would_warm'
        assert [p['platform'] for p in entry['platforms']] == ['linux/amd64', 'linux/arm64']
    assert any(source.endswith('kustomize app') or source.endswith('build app') for source in play.report['sources']), play.report


def test_seed_config_file_and_installed_collection_name(tmp_path):
    """The seed's configuration file works unchanged; the playbook runs as prewarm.harbor.prewarm, with relative
    paths taken from the working directory, not from the collection."""
    image = ecr('proxy_hub/library/redis:7.2')
    write_yaml(tmp_path / 'render.yaml', [deployment('cache', image)])
    (tmp_path / 'seed.yaml').write_text(
        'maxNumberOfParallelJobs: 2\n'
        'proxyCaches:\n'
        '- regexURL: "%s"\n'
        '  replacementOCI: "%s/v2/$1/$2/manifests/$3"\n'
        '  replacementArch: "%s/v2/$1/$2/manifests/ARCHDIGEST"\n'
        '  targetArch: "arm64"\n'
        '  targetOS: "linux"\n' % (SEED_REGEX, NOWHERE, NOWHERE), encoding='utf-8')
    play = run_playbook(tmp_path, {
        'prewarm_manifests': 'render.yaml',  # a plain string, as -e prewarm_manifests=render.yaml gives
        'prewarm_config_file': 'seed.yaml',
        'prewarm_cache_flavor': 'distribution',
        'prewarm_report': 'out/report.json',
    }, playbook='prewarm.harbor.prewarm')
    assert play.returncode == 0, play.log
    assert play.status(image) == 'would_warm'
    assert play.report['images'][0]['manifest_url'] == NOWHERE + '/v2/proxy_hub/library/redis/manifests/7.2'
    assert [p['platform'] for p in play.report['images'][0]['platforms']] == ['linux/arm64']


def test_no_images_ends_cleanly(tmp_path):
    write_yaml(tmp_path / 'empty.yaml', [{'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'x'}}])
    play = run_playbook(tmp_path, {
        'prewarm_manifests': ['empty.yaml'],
        'prewarm_proxy_caches': rules(),
    })
    assert play.returncode == 0, play.log
    assert 'no images found in %s' % (tmp_path / 'empty.yaml') in play.output
    assert play.report['images'] == [] and play.report['summary']['images'] == 0


# --- failures before any warming ------------------------------------------------------------------------------------

def test_missing_manifest_file_fails_clearly(tmp_path):
    play = run_playbook(tmp_path, {'prewarm_manifests': ['missing.yaml', 'nothing/*.yaml'], 'prewarm_proxy_caches': rules()})
    assert play.returncode != 0, play.log
    assert 'prewarm_manifests: missing.yaml does not exist' in play.output, play.log
    assert 'prewarm_manifests: nothing/*.yaml matches no file' in play.output, play.log
    assert play.report is None


def test_malformed_yaml_names_the_file(tmp_path):
    (tmp_path / 'broken.yaml').write_text('kind: Pod\nspec:\n  containers:\n  - image: a\n   name: b\n', encoding='utf-8')
    play = run_playbook(tmp_path, {'prewarm_manifests': ['broken.yaml'], 'prewarm_proxy_caches': rules()})
    assert play.returncode != 0, play.log
    assert str(tmp_path / 'broken.yaml') in play.output and 'invalid YAML in document 1, line' in play.output, play.log


def test_kustomization_that_fails_to_render_is_named(tmp_path):
    (tmp_path / 'bad').mkdir()
    (tmp_path / 'bad' / 'kustomization.yaml').write_text('resources: [does-not-exist.yaml]\n', encoding='utf-8')
    play = run_playbook(tmp_path, {'prewarm_kustomize': ['bad'], 'prewarm_proxy_caches': rules()})
    assert play.returncode != 0, play.log
    assert 'kustomize bad failed (rc 1)' in play.output or 'build bad failed (rc 1)' in play.output, play.log
    assert 'does-not-exist.yaml' in play.output, play.log


def test_helm_not_installed_fails_clearly(tmp_path):
    path = ':'.join(p for p in os.environ['PATH'].split(':') if not os.path.exists(os.path.join(p, 'helm')))
    play = run_playbook(tmp_path, {
        'prewarm_helm': [{'name': 'web', 'chart': './chart'}],
        'prewarm_proxy_caches': rules(),
    }, env={'PATH': path})
    assert play.returncode != 0, play.log
    assert 'helm is not installed: install it or pass the output of helm template in prewarm_manifests' in play.output, play.log


def test_helm_command_line(tmp_path):
    """With helm on PATH (a stand-in here), each release is rendered with its name, chart, namespace, version,
    values files and --set-json values, in the working directory."""
    image = ecr('proxy_hub/bitnami/redis:7.2')
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    fake = bindir / 'helm'
    fake.write_text(
        '#!/bin/sh\n'
        'if [ "$1" = version ]; then echo v3.15.0; exit 0; fi\n'
        'printf "%%s\\n" "$PWD" "$@" > "%s"\n'
        'printf "kind: Pod\\nspec:\\n  containers:\\n  - name: redis\\n    image: %s\\n"\n' % (tmp_path / 'argv', image),
        encoding='utf-8')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    play = run_playbook(tmp_path, {
        'prewarm_helm': [{'name': 'cache', 'chart': 'oci://registry.example/charts/redis', 'namespace': 'apps',
                          'version': '19.0.1', 'values': ['values.yaml', 'prod.yaml'],
                          'set': {'replicas': 3, 'image.tag': '7.2', 'auth.enabled': False},
                          'args': ['--kube-version', '1.30']}],
        'prewarm_proxy_caches': rules(),
        'prewarm_cache_flavor': 'distribution',
    }, env={'PATH': '%s:%s' % (bindir, os.environ['PATH'])})
    assert play.returncode == 0, play.log
    assert play.status(image) == 'would_warm'
    argv = (tmp_path / 'argv').read_text(encoding='utf-8').splitlines()
    assert argv == [str(tmp_path), 'template', 'cache', 'oci://registry.example/charts/redis', '--namespace', 'apps',
                    '--version', '19.0.1', '--values=values.yaml', '--values=prod.yaml', '--set-json=replicas=3',
                    '--set-json=image.tag="7.2"', '--set-json=auth.enabled=false', '--kube-version', '1.30']


@pytest.mark.parametrize('variables, message', [
    ({}, 'set exactly one of prewarm_proxy_caches'),
    ({'prewarm_config_file': 'seed.yaml'}, 'set exactly one of prewarm_proxy_caches'),
    ({'prewarm_parallel': 0}, 'prewarm_parallel must be at least 1, got 0'),
    # the role's argument specs: the message names the variable and what it takes
    ({'prewarm_parallel': 'many'}, "argument 'prewarm_parallel' is of type str and we were unable to convert to int"),
    ({'prewarm_cache_flavor': 'quay'}, 'value of prewarm_cache_flavor must be one of: auto, harbor, distribution, got: quay'),
    ({'prewarm_caches': [{'proxy_caches': rules()}]}, 'missing required arguments: name found in prewarm_caches'),
    ({'prewarm_caches': [{'name': 'eu', 'proxy_caches': rules(), 'region': 'eu'}]},
     'prewarm_caches.region. Supported parameters include'),
    ({'prewarm_caches': [{'name': 'eu', 'proxy_caches': rules(), 'password_env': 'PREWARM_TEST_UNSET'}]},
     'prewarm_caches[0] (eu): password_env names PREWARM_TEST_UNSET, which is not set (or empty) in the environment'),
], ids=['no-rules', 'both-rules', 'parallel-0', 'parallel-word', 'bad-flavor', 'cache-without-name', 'cache-unknown-key',
        'cache-env-unset'])
def test_bad_settings_fail_early(tmp_path, variables, message):
    settings = {'prewarm_images': [ecr('proxy_hub/library/alpine:3.16')], 'prewarm_proxy_caches': rules()}
    settings.update(variables)
    if not variables:
        del settings['prewarm_proxy_caches']
    play = run_playbook(tmp_path, settings)
    assert play.returncode != 0 and message in play.output, play.log


def test_parallel_above_forks_is_refused(tmp_path):
    """throttle cannot raise the number of workers above --forks: asking for more fails with the fix, unless
    there are not that many images anyway."""
    images = [ecr('proxy_hub/library/app%d:1' % i) for i in range(7)]
    settings = {'prewarm_images': images, 'prewarm_proxy_caches': rules(), 'prewarm_cache_flavor': 'distribution',
                'prewarm_parallel': 6}
    refused = run_playbook(tmp_path, settings)
    assert refused.returncode != 0, refused.log
    assert 'prewarm_parallel is 6 but ansible-playbook runs 5 forks' in refused.output, refused.log
    assert '--forks 6' in refused.output
    assert run_playbook(tmp_path, settings, args=['--forks', '6']).returncode == 0
    assert run_playbook(tmp_path, dict(settings, prewarm_images=images[:5])).returncode == 0


# --- against a slow stand-in registry -------------------------------------------------------------------------------

def test_check_mode_sends_no_request(tmp_path):
    with SlowRegistry(delay=0) as registry:
        play = run_playbook(tmp_path, {
            # a string, as from -e prewarm_images=...: commas or whitespace separate references
            'prewarm_images': ' '.join(ecr('proxy_hub/library/app%d:1,' % i) for i in range(3)),
            'prewarm_proxy_caches': rules(registry.url),
            'prewarm_cache_flavor': 'distribution',
        })
    assert play.returncode == 0, play.log
    assert play.report['summary']['would_warm'] == 3
    assert registry.requests == []


def test_images_run_prewarm_parallel_at_once_and_failures_fail_the_run(tmp_path):
    """Six images, 2 s per manifest request, prewarm_parallel 3: exactly three in flight, two rounds; every image
    fails (404) and the run fails at the end, listing them, after all were tried."""
    images = [ecr('proxy_hub/library/app%d:1' % i) for i in range(6)]
    with SlowRegistry(delay=2) as registry:
        play = run_playbook(tmp_path, {
            'prewarm_images': images, 'prewarm_proxy_caches': rules(registry.url),
            'prewarm_cache_flavor': 'distribution', 'prewarm_parallel': 3, 'prewarm_retries': 0,
        }, check=False)
    assert play.returncode != 0, play.log
    assert registry.max_in_flight == 3, registry.requests
    assert len(registry.requests) == 6
    starts = sorted(when for when, _method, _path in registry.requests)
    assert starts[3] - starts[0] >= 2, starts  # the fourth waited for one of the first three
    assert play.report['summary']['failed'] == 6
    assert 'MANIFEST_UNKNOWN' in play.report['images'][0]['msg']
    assert '6 of 6 images failed' in play.output, play.log
    assert 'app5' in play.output.split('6 of 6 images failed')[-1]


def test_failures_do_not_fail_the_run_when_asked(tmp_path):
    """prewarm_fail_on_error false: failures are reported, the run succeeds; 6 at once needs --forks 6."""
    images = [ecr('proxy_hub/library/app%d:1' % i) for i in range(6)]
    with SlowRegistry(delay=1) as registry:
        play = run_playbook(tmp_path, {
            'prewarm_images': images, 'prewarm_proxy_caches': rules(registry.url),
            'prewarm_cache_flavor': 'distribution', 'prewarm_parallel': 6, 'prewarm_retries': 0,
            'prewarm_fail_on_error': False,
        }, check=False, args=['--forks', '6'])
    assert play.returncode == 0, play.log
    assert registry.max_in_flight == 6
    assert play.report['summary']['failed'] == 6
    assert 'failed:' in play.output


def test_a_module_error_on_every_lane_still_reaches_the_summary(tmp_path):
    """Should the module itself fail on every lane, the summary must still list each image with the module's
    message, write the report and fail the run. (The options are checked once before the lanes are made, so the
    failure is forced here by overriding the lanes' own variable.)"""
    images = [ecr('proxy_hub/library/app%d:1' % i) for i in range(2)]
    lane = {'name': 'forced', 'cache': 'default', 'images': images[:1], 'runner': '', 'username_env': '',
            'password_env': '', 'secret': False,
            'options': {'proxy_caches': rules(), 'cache_flavor': 'distribution', 'timeout': 0}}
    play = run_playbook(tmp_path, {
        'prewarm_images': images, 'prewarm_proxy_caches': rules(), 'prewarm_cache_flavor': 'distribution',
        'prewarm_lane': lane,
    })
    assert play.returncode != 0, play.log
    assert [entry['status'] for entry in play.report['images']] == ['failed', 'failed']
    assert 'timeout must be at least 1 second' in play.report['images'][0]['msg']
    assert '2 of 2 images failed' in play.output, play.log


def test_credentials_passed_as_variables_are_not_shown(tmp_path):
    secret = 'Sup3r-s3cret-robot-token'
    play = run_playbook(tmp_path, {
        'prewarm_images': [ecr('proxy_hub/library/alpine:3.16')], 'prewarm_proxy_caches': rules(),
        'prewarm_cache_flavor': 'distribution', 'prewarm_username': 'robot$prewarm', 'prewarm_password': secret,
    }, args=['-vvv'])
    assert play.returncode == 0, play.log
    assert play.report['summary']['would_warm'] == 1
    assert secret not in play.output
    assert secret not in json.dumps(play.report)


def test_bad_option_fails_once_before_any_image_host(tmp_path):
    play = run_playbook(tmp_path, {
        'prewarm_images': [ecr('proxy_hub/library/app%d:1' % i) for i in range(3)], 'prewarm_proxy_caches': rules(),
        'prewarm_password': 'x',
    })
    assert play.returncode != 0, play.log
    assert play.output.count('a password was given without a username') >= 1, play.log
    assert 'prewarm-default-1' not in play.output and play.report is None
