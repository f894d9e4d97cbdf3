# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signed releases with upstream gone: what a verifier at admission fetches from Harbor after a warm.

Images are signed upstream with the stand's own key (tests/stand/signing.py); skopeo copies each signature from
Harbor with upstream stopped, and the stand's verifier checks it as cosign would: the signature over the payload
against the public key, and the payload's digest against the digest Harbor serves for the platform.
"""

import json

import pytest

from ansible_collections.prewarm.harbor.tests.e2e.playbook import ecr, in_project, plain_proxy_rule, rule, warm
from ansible_collections.prewarm.harbor.tests.e2e.prewarm_playbook import deployment, ecr_reference, rules, run_playbook, write_yaml
from ansible_collections.prewarm.harbor.tests.stand import signing
from ansible_collections.prewarm.harbor.tests.stand.fixtures import HARBOR_INTERVAL
from ansible_collections.prewarm.harbor.tests.stand.pull_client import Client

SCALED = dict(harbor_check_interval=HARBOR_INTERVAL)
BOTH = ('linux/amd64', 'linux/arm64')


def repository(stand, signed):
    return f'{stand.public_project}/{signed.image.repository}'


def served_digest(stand, signed, platform):
    """The manifest digest Harbor serves for ``platform`` when the tag is pulled, as a verifier resolves it (upstream
    up or down: Harbor's answer by digest is its own storage)."""
    client = Client(stand, repository(stand, signed))
    answer = client.manifest(signed.image.tag)
    assert answer.status_code == 200, answer.text
    document = answer.json()
    if 'manifests' not in document:
        return answer.headers['Docker-Content-Digest']
    os_name, arch = platform.split('/')[:2]
    return next(entry['digest'] for entry in document['manifests']
                if entry.get('platform', {}).get('os') == os_name and entry['platform'].get('architecture') == arch)


def verify_offline(stand, signed, reference):
    """skopeo copies ``reference`` (a signature tag, or a referrer's digest) from Harbor with upstream stopped; the
    stand's verifier then checks it: (copied, Verdict or None)."""
    copied = stand.oracle_copy(stand.harbor_url, f'{repository(stand, signed)}{"@" if ":" in reference else ":"}{reference}')
    if not copied.ok:
        return False, None
    layer = copied.manifest['layers'][0]['digest']
    return True, signing.verify(stand.signer.public_pem, copied.manifest, copied.blobs[layer])


@pytest.fixture
def cold(stand):
    stand.reset_cache()
    return stand


def test_warmed_signatures_and_attestations_verify_offline_for_the_digest_harbor_serves(cold):
    """signatures [sig, att]: each selected platform's .sig and .att are warmed, committed (the wait covers them), and
    verify with upstream stopped for the digest Harbor serves; Harbor lists the .sig as the digest's accessory."""
    signed = cold.push_signed_image('signed/app', '1.0', kinds=('sig', 'att'), platforms=BOTH)
    run = warm(cold, [ecr(cold.public_project, signed.image)], platforms=['linux/amd64'], signatures=['sig', 'att'],
               wait_for_commit=60, **SCALED)
    entry = run.images[0]
    assert entry['status'] == 'warmed' and entry['harbor']['committed'], run
    amd64 = signed.image.platform('linux/amd64').digest
    found = {(item['subject'], item['kind']): item for item in entry['signatures']}
    assert set(found) == {(amd64, 'sig'), (amd64, 'att')}, entry['signatures']  # the index and arm64: not asked / unsigned
    for kind in ('sig', 'att'):
        [made] = signed.of(kind, amd64)
        assert found[(amd64, kind)]['digest'] == made.digest and found[(amd64, kind)]['committed'] is True
        assert found[(amd64, kind)]['status'] == 'warmed'
    harbor_amd64 = served_digest(cold, signed, 'linux/amd64')
    for kind in ('sig', 'att'):
        copied, verdict = verify_offline(cold, signed, signing.tag_of(harbor_amd64, kind))
        assert copied and verdict.verified and verdict.digest == harbor_amd64 == amd64, (kind, verdict)
    accessories = Client(cold, repository(cold, signed)).accessories(amd64)
    assert {digest: item['type'] for digest, item in accessories.items()} == {signed.of('sig', amd64)[0].digest: 'signature.cosign'}


def test_a_rerun_is_cached_reads_no_blob_and_asks_harbor_only_its_api(cold):
    """Once Harbor has committed the image and its signature, a second warm is cached: no blob GET, no request that
    makes Harbor fetch from upstream."""
    signed = cold.push_signed_image('signed/rerun', '1.0')
    image = ecr(cold.public_project, signed.image)
    first = warm(cold, [image], wait_for_commit=60, **SCALED)
    assert [item['committed'] for item in first.images[0]['signatures']] == [True], first
    mark = cold.harbor_log_mark()
    again = warm(cold, [image], **SCALED)
    entry = again.images[0]
    assert entry['status'] == 'cached' and entry['changed'] is False, again
    assert [(item['status'], item['committed']) for item in entry['signatures']] == [('cached', True)]
    requests = cold.harbor_log(since=mark)
    assert not [e for e in requests if e.kind == 'blobs' and e.method == 'GET'], requests
    assert not [e for e in requests if e.method == 'GET' and e.backend == 'upstream'], requests


def test_without_the_option_the_signature_is_missing_offline_and_admission_would_refuse(cold):
    """signatures []: the image pulls offline, but its signature is not in Harbor, which a verifier at admission
    reads as "unsigned"."""
    signed = cold.push_signed_image('signed/unwarmed', '1.0')
    run = warm(cold, [ecr(cold.public_project, signed.image)], signatures=[], wait_for_commit=60, **SCALED)
    entry = run.images[0]
    assert entry['status'] == 'warmed' and 'signatures' not in entry, run
    digest = signed.image.digest
    copied, verdict = verify_offline(cold, signed, signing.tag_of(digest, 'sig'))
    assert (copied, verdict) == (False, None)
    assert cold.oracle_pull(cold.harbor_url, in_project(cold.public_project, signed.image), 'linux/amd64').ok


def test_referrers_are_listed_upstream_and_warmed_by_digest_into_harbor_s_referrers_api(cold):
    """signatures [referrers]: listed at the rule's upstream (the fallback tag there), each fetched by digest through
    Harbor; Harbor's referrers API then lists them and each verifies offline."""
    signed = cold.push_signed_image('signed/referred', '1.0', kinds=(), referrer=signing.BUNDLE, platforms=BOTH)
    upstream = cold.upstream_url + '/v2/$2/manifests/$3'
    run = warm(cold, [ecr(cold.public_project, signed.image)], platforms=list(BOTH), signatures=['referrers'],
               proxy_caches=[rule(cold.harbor_url, replacement_upstream=upstream)], wait_for_commit=60, **SCALED)
    entry = run.images[0]
    assert entry['status'] == 'warmed', run
    client = Client(cold, repository(cold, signed))
    for platform in signed.image.platforms:
        [made] = signed.of('referrer', platform.digest)
        [item] = [item for item in entry['signatures'] if item['subject'] == platform.digest]
        assert (item['kind'], item['digest'], item['artifact_type'], item['committed']) == ('referrers', made.digest, signing.BUNDLE, True)
        listed = client.referrers(platform.digest)
        assert [m['digest'] for m in listed.json()['manifests']] == [made.digest], listed.text
        copied, verdict = verify_offline(cold, signed, made.digest)
        assert copied and verdict.verified and verdict.digest == platform.digest, verdict
        cold.start_upstream()


def test_referrers_without_an_upstream_are_refused_before_anything_is_sent(cold):
    signed = cold.push_signed_image('signed/no-upstream', '1.0', kinds=(), referrer=signing.NOTATION)
    mark = cold.harbor_log_mark()
    run = warm(cold, [ecr(cold.public_project, signed.image)], signatures=['referrers'])
    assert run.result.get('failed') and 'replacement_upstream' in run.result['msg'], run
    assert not cold.harbor_log(since=mark)


def test_a_signature_on_the_index_digest_only_is_warmed_and_reported_as_not_verifying_offline(cold):
    """Harbor stores the index under its own digest: a verifier resolving the tag offline gets that digest, which
    the signature does not name."""
    signed = cold.push_signed_image('signed/index-only', '1.0', on_index_only=True, platforms=BOTH)
    run = warm(cold, [ecr(cold.public_project, signed.image)], platforms=['linux/amd64'], wait_for_commit=60, **SCALED)
    entry = run.images[0]
    [item] = entry['signatures']
    assert item['subject'] == signed.image.digest and item['verifies_offline'] is False, item
    assert 'cosign sign --recursive' in item['note'] and item['committed'] is True
    copied, verdict = verify_offline(cold, signed, signing.tag_of(signed.image.digest, 'sig'))
    assert copied and verdict.verified and verdict.digest == signed.image.digest
    assert entry['harbor']['digest'] != signed.image.digest  # what the tag resolves to offline: not signed


def test_check_mode_reports_the_signatures_it_would_fetch_and_leaves_harbor_unchanged(cold):
    """After a warm without signatures, check mode with them: the image would warm (its signature is missing), and
    Harbor holds exactly what it held."""
    signed = cold.push_signed_image('signed/checked', '1.0')
    image = ecr(cold.public_project, signed.image)
    assert warm(cold, [image], signatures=[], wait_for_commit=60, **SCALED).images[0]['harbor']['committed']
    assert cold.harbor_quiesce(60)
    before = cold.harbor_holdings()
    run = warm(cold, [image], check=True)
    entry = run.images[0]
    assert entry['status'] == 'would_warm' and entry['changed'] is True, run
    [made] = signed.of('sig', signed.image.digest)
    assert [(i['kind'], i['digest'], i['status']) for i in entry['signatures']] == [('sig', made.digest, 'would_warm')]
    assert cold.harbor_quiesce(60)
    assert cold.harbor_holdings() == before


def test_an_unsigned_image_costs_one_404_per_digest_and_nothing_more(cold):
    """The default (sig) on an image nobody signed: one HEAD of its .sig tag per digest, answered 404."""
    image = cold.images['manifest_list']
    mark = cold.harbor_log_mark()
    run = warm(cold, [ecr(cold.public_project, image)], platforms=list(BOTH), **SCALED)
    entry = run.images[0]
    assert entry['status'] == 'warmed' and entry['signatures'] == [], run
    asked = [e for e in cold.harbor_log(since=mark) if e.kind == 'manifests' and e.reference.startswith('sha256-')]
    subjects = {image.digest} | {p.digest for p in image.platforms if p.platform in BOTH}
    assert sorted((e.method, e.status) for e in asked) == [('HEAD', 404)] * len(subjects), asked
    assert {e.path.rsplit('/', 1)[1] for e in asked} == {signing.tag_of(d, 'sig') for d in subjects}


def test_signatures_through_a_plain_proxy_verify_offline(stand):
    """A plain distribution proxy stores the .sig as any manifest read through it."""
    signed = stand.push_signed_image('signed/plain', '1.0')
    stand.reset_cache()
    run = warm(stand, [ecr('proxy_plain', signed.image)], proxy_caches=[plain_proxy_rule(stand)])
    entry = run.images[0]
    [item] = entry['signatures']
    assert item['status'] == 'warmed' and 'committed' not in item, run  # a plain proxy cannot tell
    copied = stand.oracle_copy(stand.proxy_url, f'{signed.image.repository}:{signing.tag_of(signed.image.digest, "sig")}')
    assert copied.ok, copied.stderr
    verdict = signing.verify(stand.signer.public_pem, copied.manifest, copied.blobs[copied.manifest['layers'][0]['digest']])
    assert verdict.verified and verdict.digest == signed.image.digest
    assert json.loads(json.dumps(entry))  # the result is plain JSON


def test_referrers_through_a_plain_proxy_are_found_offline_by_the_fallback_tag(stand):
    """A plain distribution proxy has no referrers API: verifiers read OCI 1.1's fallback tag sha256-<hex> there, so
    the warm fetches that index through the proxy too; offline, the tag lists the referrer, which verifies."""
    signed = stand.push_signed_image('signed/plain-referred', '1.0', kinds=(), referrer=signing.BUNDLE)
    stand.reset_cache()
    run = warm(stand, [ecr('proxy_plain', signed.image)], signatures=['referrers'], proxy_caches=[
        plain_proxy_rule(stand, replacement_upstream=stand.upstream_url + '/v2/$1/manifests/$2')])
    [made] = signed.of('referrer', signed.image.digest)
    [item] = run.images[0]['signatures']
    assert (item['kind'], item['digest'], item['status']) == ('referrers', made.digest, 'warmed'), run
    assert item.get('verifies_offline') is not False and not run.result.get('warnings'), run
    copied = stand.oracle_copy(stand.proxy_url, f'{signed.image.repository}@{made.digest}')  # upstream stopped
    assert copied.ok, copied.stderr
    listing = stand.oracle_raw(stand.proxy_url, f'{signed.image.repository}:{signing.tag_of(signed.image.digest)}')
    assert listing.ok, listing.stderr
    assert [entry['digest'] for entry in listing.manifest['manifests']] == [made.digest]
    verdict = signing.verify(stand.signer.public_pem, copied.manifest, copied.blobs[copied.manifest['layers'][0]['digest']])
    assert verdict.verified and verdict.digest == signed.image.digest


def test_the_playbook_s_one_line_warms_signatures_and_attestations_and_says_so(cold, tmp_path):
    """prewarm_signatures: [sig, att] in a playbook run over a rendered release; the summary counts them, the
    report lists them, and both verify offline."""
    signed = cold.push_signed_image('signed/released', '2.0', kinds=('sig', 'att'))
    write_yaml(tmp_path / 'render.yaml', [deployment('web', ecr_reference(cold, signed.image))])
    play = run_playbook(tmp_path, {'prewarm_proxy_caches': rules(cold.harbor_url), 'prewarm_manifests': ['render.yaml'],
                                   'prewarm_signatures': ['sig', 'att'], 'prewarm_wait_for_commit': 60,
                                   'prewarm_harbor_check_interval': HARBOR_INTERVAL}, check=False)
    assert play.returncode == 0, play.log
    assert 'signatures: 2 warmed, 0 already cached' in play.output, play.log
    [entry] = play.report['images']
    assert sorted((item['kind'], item['committed']) for item in entry['signatures']) == [('att', True), ('sig', True)], entry
    for kind in ('sig', 'att'):
        copied, verdict = verify_offline(cold, signed, signing.tag_of(signed.image.digest, kind))
        assert copied and verdict.verified and verdict.digest == signed.image.digest, (kind, verdict)
