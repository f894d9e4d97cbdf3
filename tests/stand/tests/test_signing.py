# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stand signs upstream images for real, in cosign's and OCI 1.1's formats, and its verifier tells good from bad."""

import json

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.prewarm.harbor.tests.stand import signing
from ansible_collections.prewarm.harbor.tests.stand.pull_client import Client

ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json'


def served(base, repo, reference):
    """(manifest JSON, its one layer's bytes) as a verifier would fetch them."""
    answer = requests.get(f'{base}/v2/{repo}/manifests/{reference}', headers={'Accept': ACCEPT}, timeout=10)
    assert answer.status_code == 200, (reference, answer.status_code, answer.text)
    manifest = answer.json()
    layer = manifest['layers'][0]['digest']
    return manifest, requests.get(f'{base}/v2/{repo}/blobs/{layer}', timeout=10).content


@pytest.fixture(scope='module')
def signed(stand):
    return stand.push_signed_image('signed/app', '1.0', kinds=('sig', 'att'), referrer=signing.BUNDLE,
                                   platforms=('linux/amd64', 'linux/arm64'))


@pytest.mark.parametrize('suffix', ['sig', 'att'])
def test_each_platform_digest_has_a_cosign_signature_that_verifies_and_names_it(stand, signed, suffix):
    for platform in signed.image.platforms:
        manifest, blob = served(stand.upstream_url, 'signed/app', signing.tag_of(platform.digest, suffix))
        verdict = signing.verify(stand.signer.public_pem, manifest, blob)
        assert (verdict.verified, verdict.digest) == (True, platform.digest), (suffix, platform.platform)
    assert requests.head(f'{stand.upstream_url}/v2/signed/app/manifests/{signing.tag_of(signed.image.digest, suffix)}',
                         timeout=10).status_code == 404  # the index itself is not signed: cosign sign --recursive's platforms


def test_a_referrer_has_its_subject_and_type_is_listed_under_the_fallback_tag_and_verifies(stand, signed):
    platform = signed.image.platforms[0]
    [made] = signed.of('referrer', platform.digest)
    listed = requests.get(f'{stand.upstream_url}/v2/signed/app/manifests/{signing.tag_of(platform.digest)}',
                          headers={'Accept': ACCEPT}, timeout=10).json()
    assert [entry['digest'] for entry in listed['manifests']] == [made.digest]
    assert listed['manifests'][0]['artifactType'] == signing.BUNDLE
    manifest, blob = served(stand.upstream_url, 'signed/app', made.digest)
    assert manifest['subject']['digest'] == platform.digest and manifest['artifactType'] == signing.BUNDLE
    verdict = signing.verify(stand.signer.public_pem, manifest, blob)
    assert (verdict.verified, verdict.digest) == (True, platform.digest)


def test_upstream_has_no_referrers_api_so_the_fallback_tag_is_the_way_to_list_them(stand, signed):
    """Debian's distribution 2.8 predates OCI 1.1: a client lists referrers through the fallback tag."""
    digest = signed.image.platforms[0].digest
    assert requests.get(f'{stand.upstream_url}/v2/signed/app/referrers/{digest}', timeout=10).status_code == 404


def test_the_verifier_refuses_a_changed_payload_and_another_key(stand, signed):
    platform = signed.image.platforms[0]
    manifest, blob = served(stand.upstream_url, 'signed/app', signing.tag_of(platform.digest, 'sig'))
    changed = blob.replace(platform.digest.encode(), signed.image.platforms[1].digest.encode())
    assert changed != blob and not signing.verify(stand.signer.public_pem, manifest, changed).verified
    other = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert not signing.verify(other, manifest, blob).verified
    assert json.loads(blob)['critical']['identity']['docker-reference'].endswith('/signed/app')


def test_an_image_signed_on_its_index_digest_only_has_no_platform_signature(stand):
    only = stand.push_signed_image('signed/index-only', '1.0', on_index_only=True, platforms=('linux/amd64', 'linux/arm64'))
    [made] = only.signatures
    assert made.subject == only.image.digest and made.tag == signing.tag_of(only.image.digest, 'sig')
    manifest, blob = served(stand.upstream_url, 'signed/index-only', made.tag)
    assert signing.verify(stand.signer.public_pem, manifest, blob).digest == only.image.digest
    for platform in only.image.platforms:
        assert requests.head(f'{stand.upstream_url}/v2/signed/index-only/manifests/{signing.tag_of(platform.digest, "sig")}',
                             timeout=10).status_code == 404


def test_harbor_lists_only_the_signatures_pulled_through_it_and_records_them_as_accessories(stand):
    """HARBOR.md 12: the referrers API answers from Harbor's database alone (upstream's referrer is not there until
    pulled by digest through the proxy); a stored ``.sig`` and a stored referrer become accessories of the platform."""
    signed = stand.push_signed_image('signed/through-harbor', '1.0', kinds=('sig',), referrer=signing.BUNDLE,
                                     platforms=('linux/amd64', 'linux/arm64'))
    repository = f'{stand.public_project}/signed/through-harbor'
    client = Client(stand, repository)
    amd, arm = signed.image.platforms
    before = client.referrers(amd.digest)
    assert before.status_code == 200 and before.headers['Content-Type'] == signing.model.OCI_INDEX
    assert before.json()['manifests'] == []  # upstream has a referrer; Harbor does not ask it
    [sig], [referrer] = signed.of('sig', amd.digest), signed.of('referrer', amd.digest)
    client.read_platform(amd)
    client.read(sig.tag, sig.blobs)
    client.read(referrer.digest, referrer.blobs)
    assert stand.harbor_quiesce(60)
    recorded = Client(stand, repository).accessories(amd.digest)
    types = {digest: item['type'] for digest, item in recorded.items()}
    assert types == {sig.digest: 'signature.cosign', referrer.digest: 'signature.cosign'}
    assert all(item['subject_artifact_digest'] == amd.digest and item['subject_artifact_repo'] == repository
               for item in recorded.values())
    listed = client.referrers(amd.digest).json()['manifests']
    assert {item['digest']: item.get('artifactType') for item in listed} == {sig.digest: signing.model.OCI_CONFIG,
                                                                             referrer.digest: signing.BUNDLE}
    only = client.referrers(amd.digest, signing.BUNDLE)
    assert [item['digest'] for item in only.json()['manifests']] == [referrer.digest]
    assert only.headers['OCI-Filters-Applied'] == 'artifactType'
    assert client.referrers(arm.digest).json()['manifests'] == []
    assert client.referrers('1.0').status_code == 400


def test_a_signature_stored_before_its_subject_is_attached_once_the_subject_is_stored(stand):
    """cosign.go records the row with no subject id while the platform is not in Harbor; subject.go fills it in
    when the platform's manifest is stored (HARBOR.md 12.1)."""
    signed = stand.push_signed_image('signed/sig-first', '1.0', kinds=('sig',))
    repository = f'{stand.public_project}/signed/sig-first'
    client = Client(stand, repository)
    image = signed.image.platforms[0]
    [sig] = signed.of('sig', image.digest)
    client.read(sig.tag, sig.blobs)
    assert stand.harbor_quiesce(60)
    assert Client(stand, repository).accessories(image.digest) is None  # the subject is not an artifact yet
    assert [item['digest'] for item in client.referrers(image.digest).json()['manifests']] == [sig.digest]
    client.read_platform(image)
    assert stand.harbor_quiesce(60)
    assert list(Client(stand, repository).accessories(image.digest)) == [sig.digest]
