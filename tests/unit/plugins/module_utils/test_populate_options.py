# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input to ``populate``: refused with the exact message before any network traffic.

A mistake in an option fails the whole call (OptionError); a bad image reference, or one a rule rewrites into
an unusable URL, fails that image alone. Every rule points at a Trap: a connection there would be a request.
"""

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._argspec import ARGUMENT_SPEC
from ansible_collections.prewarm.harbor.plugins.module_utils._errors import OptionError
from ansible_collections.prewarm.harbor.plugins.module_utils._populate import populate
from ansible_collections.prewarm.harbor.tests.faults.trap import Trap, fill

# The module's defaults, as AnsibleModule hands them over.
DEFAULTS = dict((name, spec.get('default')) for name, spec in ARGUMENT_SPEC.items())
IMAGE = 'faults.example/team/app:1.0'
DIGEST = 'sha256:' + '0123456789abcdef' * 4
RULE = dict(regex_url=r'^faults\.example/(.+):(.+)$', replacement_oci='{trap}/v2/$1/manifests/$2')
POPULATOR_FILE = 'proxyCaches:\n- regexURL: "^(.+):(.+)$"\n  replacementOCI: "{trap}/v2/$1/manifests/$2"\n'

# (id, options over a valid call, exact OptionError message); {trap} and {tmp} are filled in.
OPTION_ERRORS = [
    ('invalid-regex', dict(proxy_caches=[dict(RULE, regex_url='^(unclosed')]),
     'proxy_caches[0].regex_url: regular expression "^(unclosed": missing closing ")" (at offset 10)'),
    ('lookahead-is-not-re2', dict(proxy_caches=[dict(RULE, regex_url='^(?=f)(.+):(.+)$')]),
     'proxy_caches[0].regex_url: regular expression "^(?=f)(.+):(.+)$": lookahead (?=...) is not supported: RE2 (Go regexp) '
     'has no lookahead or lookbehind; match the text itself and capture what you need with a group (at offset 1)'),
    ('replacement-names-a-missing-group', dict(proxy_caches=[dict(RULE, replacement_oci='{trap}/v2/$3/manifests/$2')]),
     'proxy_caches[0].replacement_oci: "{trap}/v2/$3/manifests/$2": $3 refers to group 3 but the regular expression has only 2 group(s)'),
    ('replacement-names-a-missing-named-group', dict(proxy_caches=[dict(RULE, replacement_oci='{trap}/v2/${repo}/manifests/$2')]),
     'proxy_caches[0].replacement_oci: "{trap}/v2/${repo}/manifests/$2": ${repo} refers to a group named "repo", '
     'which the regular expression does not have (Go would insert "")'),
    ('replacement-1x-means-group-1x', dict(proxy_caches=[dict(RULE, replacement_oci='{trap}/v2/$1x/manifests/$2')]),
     'proxy_caches[0].replacement_oci: "{trap}/v2/$1x/manifests/$2": $1x refers to a group named "1x", which the regular '
     'expression does not have (Go would insert ""); write ${1}x to use group 1 followed by "x"'),
    ('replacement-arch-without-archdigest', dict(proxy_caches=[dict(RULE, replacement_arch='{trap}/v2/$1/manifests/')]),
     'proxy_caches[0].replacement_arch: "{trap}/v2/$1/manifests/" must end with ARCHDIGEST (the platform manifest digest '
     'goes there), or be "" to read only the index'),
    ('unknown-architecture', dict(platforms=['linux/amd65']),
     'invalid platform "linux/amd65": unknown architecture "amd65" (Go knows 386, amd64, amd64p32, arm, arm64, arm64be, armbe, '
     'loong64, mips, mips64, mips64le, mips64p32, mips64p32le, mipsle, ppc, ppc64, ppc64le, riscv, riscv64, s390, s390x, sparc, '
     'sparc64, wasm; aliases: aarch64, x86_64, i386, armhf, armel); use the form "os/arch[/variant]", e.g. "linux/amd64" or '
     '"linux/arm/v7", or "all"'),
    ('platform-without-architecture', dict(platforms=['linux']),
     'invalid platform "linux": use the form "os/arch[/variant]", e.g. "linux/amd64" or "linux/arm/v7", or "all"'),
    ('platform-with-too-many-parts', dict(proxy_caches=[dict(RULE, platforms=['linux/arm/v7/x'])]),
     'proxy_caches[0].platforms: invalid platform "linux/arm/v7/x": use the form "os/arch[/variant]", e.g. "linux/amd64" or '
     '"linux/arm/v7", or "all"'),
    ('all-and-a-platform', dict(platforms=['all', 'linux/amd64']),
     'invalid platform list [\'all\', \'linux/amd64\']: "all" already selects every platform; give either ["all"] or a list without it'),
    ('unknown-target-arch', dict(proxy_caches=[dict(RULE, target_arch='amd65')]),
     'proxy_caches[0].target_arch: "amd65" is not an architecture Go knows (e.g. amd64, arm64, arm)'),
    ('unknown-target-os', dict(proxy_caches=[dict(RULE, target_os='lunix')]),
     'proxy_caches[0].target_os: "lunix" is not an operating system Go knows (e.g. linux, windows)'),
    ('no-rules', dict(proxy_caches=[]), 'proxy_caches must be a non-empty list of rules'),
    ('referrers-without-an-upstream', dict(signatures=['sig', 'referrers']),
     'signatures includes referrers, but the rule that takes faults.example/team/app:1.0 (rule 0) has no replacement_upstream: '
     'give it the image\'s manifest URL at upstream, for example https://quay.io/v2/$1/manifests/$2 (referrers are listed '
     'there, since Harbor\'s referrers API never asks upstream), or drop referrers from signatures'),
    ('upstream-user-without-password', dict(signatures=['referrers'], upstream_username='quay-user',
                                            proxy_caches=[dict(RULE, replacement_upstream='https://quay.io/v2/$1/manifests/$2')]),
     'upstream_username and upstream_password (or PREWARM_UPSTREAM_USERNAME and PREWARM_UPSTREAM_PASSWORD) go together: '
     'give both, or neither to use the auth file\'s entry for the upstream host'),
    ('upstream-names-a-missing-group', dict(proxy_caches=[dict(RULE, replacement_upstream='https://quay.io/v2/$3/manifests/$2')]),
     'proxy_caches[0].replacement_upstream: "https://quay.io/v2/$3/manifests/$2": $3 refers to group 3 but the regular '
     'expression has only 2 group(s)'),
    ('populator-key-in-a-module-rule', dict(proxy_caches=[dict(RULE, regexURL='x')]),
     'proxy_caches[0]: unknown key "regexURL" (did you mean "regex_url"?); known keys: application_registry, platforms, regex_url, replacement_arch, '
     'replacement_oci, replacement_upstream, target_arch, target_os, target_variant'),
    ('missing-config-file', dict(proxy_caches=None, config_file='{tmp}/missing.yaml'),
     'cannot read the HarborProxyCachePopulator configuration "{tmp}/missing.yaml": [Errno 2] No such file or directory: \'{tmp}/missing.yaml\''),
    ('config-file-not-yaml', dict(proxy_caches=None, config_file='{tmp}/broken.yaml'),
     'the HarborProxyCachePopulator configuration "{tmp}/broken.yaml" is not valid YAML: while parsing a flow node\n'
     'expected the node content, but found \'<stream end>\'\n  in "{tmp}/broken.yaml", line 2, column 1'),
    ('config-file-not-a-mapping', dict(proxy_caches=None, config_file='{tmp}/list.yaml'),
     'HarborProxyCachePopulator configuration "{tmp}/list.yaml": expected a mapping with maxNumberOfParallelJobs and proxyCaches at the top level'),
    ('config-file-key-misspelt', dict(proxy_caches=None, config_file='{tmp}/misspelt.yaml'),
     'HarborProxyCachePopulator configuration "{tmp}/misspelt.yaml": unknown key "proxycaches" (did you mean "proxyCaches"?); known keys: '
     'maxNumberOfParallelJobs, proxyCaches'),
    ('config-file-zero-parallelism', dict(proxy_caches=None, config_file='{tmp}/zero-jobs.yaml'),
     'HarborProxyCachePopulator configuration "{tmp}/zero-jobs.yaml": maxNumberOfParallelJobs must be a whole number of at least 1, got 0'),
    ('zero-parallelism', dict(max_parallel_jobs=0), 'max_parallel_jobs must be at least 1, got 0'),
    ('negative-parallelism', dict(max_parallel_jobs=-1), 'max_parallel_jobs must be at least 1, got -1'),
    ('zero-timeout', dict(timeout=0), 'timeout must be at least 1 second, got 0'),
    ('negative-retries', dict(retries=-1), 'retries must be 0 or more, got -1'),
    ('negative-wait', dict(wait_for_commit=-5), 'wait_for_commit must be 0 (do not wait) or a number of seconds, got -5'),
    ('zero-harbor-interval', dict(harbor_check_interval=0.0), "harbor_check_interval must be more than 0 seconds (Harbor's is 20), got 0.0"),
    ('username-without-password', dict(username='robot$pull'),
     'username "robot$pull" was given without a password: set password (or HARBOR_PASSWORD / hPW)'),
    ('password-without-username', dict(password='s3cret'),
     'a password was given without a username: set username (or HARBOR_USERNAME / hUSER)'),
    ('missing-auth-file', dict(auth_file='{tmp}/auth.json'),
     'auth_file {tmp}/auth.json does not exist: give the path of a Docker config.json or containers auth.json'),
]

_UNUSABLE = ('image "%s" matched proxy_caches[0] (regex_url "^faults\\.example/(.+):(.+)$") but the rewritten URL is unusable: %s; '
             'fix the rule or the image name')
# (id, options, exact message of the one failed image).
IMAGE_ERRORS = [
    ('upper-case-repository', dict(image='faults.example/Team/App:1.0'),
     'invalid image reference "faults.example/Team/App:1.0": repository names must be lowercase (use "faults.example/team/app:1.0")'),
    ('space', dict(image='faults.example/team/app :1.0'),
     'invalid image reference "faults.example/team/app :1.0": it contains whitespace or control characters (remove them)'),
    ('empty', dict(image=''), 'invalid image reference "": the reference is empty (give a name such as "alpine:3.20")'),
    ('short-digest', dict(image='faults.example/team/app@sha256:abc123'),
     'invalid image reference "faults.example/team/app@sha256:abc123": digest "sha256:abc123" must be "algorithm:hex" with at least '
     '32 hex digits, e.g. "sha256:" followed by 64 hex digits'),
    ('digest-one-digit-short', dict(image='faults.example/team/app@' + DIGEST[:-1]),
     'invalid image reference "faults.example/team/app@%s": digest "%s" must have exactly 64 lowercase hex digits after '
     '"sha256:" (it has 63)' % (DIGEST[:-1], DIGEST[:-1])),
    ('digest-not-hex', dict(image='faults.example/team/app@sha256:' + 'g' * 64),
     'invalid image reference "faults.example/team/app@sha256:{g}": digest "sha256:{g}" must be "algorithm:hex" with at least '
     '32 hex digits, e.g. "sha256:" followed by 64 hex digits'.replace('{g}', 'g' * 64)),
    ('tag-starting-with-dash', dict(image='faults.example/team/app:-x'),
     'invalid image reference "faults.example/team/app:-x": tag "-x" is invalid: use up to 128 letters, digits, "_", "." or "-", '
     'not starting with "." or "-"'),
    ('rewritten-to-no-url', dict(proxy_caches=[dict(RULE, replacement_oci='harbor.example/v2/$1/manifests/$2')]),
     _UNUSABLE % (IMAGE, '"harbor.example/v2/team/app/manifests/1.0" is not a registry manifest URL: expected '
                  'http(s)://host[:port]/v2/<repository>/manifests/<tag or digest>')),
]


@pytest.fixture
def trap():
    with Trap() as listening:
        yield listening


@pytest.fixture
def tmp(tmp_path):
    for name, text in (('list.yaml', '- a\n'), ('misspelt.yaml', 'proxycaches: []\n'), ('broken.yaml', 'proxyCaches: [\n'),
                       ('zero-jobs.yaml', 'maxNumberOfParallelJobs: 0\n' + POPULATOR_FILE)):
        (tmp_path / name).write_text(text)
    return str(tmp_path)


def params(options, trap, tmp):
    """A valid call (one image, one rule at the trap) with ``options`` on top, placeholders filled in."""
    merged = dict(DEFAULTS, image=IMAGE, proxy_caches=[RULE])
    merged.update(options)
    return fill(merged, trap=trap.url, tmp=tmp)


@pytest.mark.parametrize('options, message', [row[1:] for row in OPTION_ERRORS], ids=[row[0] for row in OPTION_ERRORS])
def test_option_error(trap, tmp, options, message):
    with pytest.raises(OptionError) as info:
        populate(params(options, trap, tmp))
    assert str(info.value) == fill(message, trap=trap.url, tmp=tmp)
    assert trap.connections == 0


@pytest.mark.parametrize('options, message', [row[1:] for row in IMAGE_ERRORS], ids=[row[0] for row in IMAGE_ERRORS])
def test_image_error(trap, tmp, options, message):
    result, failed = populate(params(options, trap, tmp))
    assert [entry['msg'] for entry in failed] == [message]
    assert result['images'][0]['status'] == 'failed' and result['summary']['failed'] == 1
    assert trap.connections == 0


def test_one_bad_image_leaves_the_others_alone(trap, tmp):
    """The bad one fails, the good one is planned (check mode against a plain proxy sends nothing at all)."""
    options = dict(image=None, images=['faults.example/Team/App:1.0', IMAGE], cache_flavor='distribution')
    result, failed = populate(params(options, trap, tmp), check_mode=True)
    assert [entry['status'] for entry in result['images']] == ['failed', 'would_warm']
    assert len(failed) == 1
    assert trap.connections == 0


def test_credentials_written_into_a_rule_url_are_not_repeated(trap, tmp):
    options = dict(proxy_caches=[dict(RULE, replacement_oci='https://robot:S3cr3t-in-url@harbor.example/v2/$1/manifests/$2')])
    _result, failed = populate(params(options, trap, tmp))
    assert 'contains credentials' in failed[0]['msg']
    assert 'S3cr3t-in-url' not in failed[0]['msg']


def test_upper_case_digest_is_told_why(trap, tmp):
    _result, failed = populate(params(dict(image='faults.example/team/app@sha256:' + 'A' * 64), trap, tmp))
    assert '(it has 64)' not in failed[0]['msg'] and 'lowercase' in failed[0]['msg']


def test_the_trap_does_see_a_request(trap, tmp):
    """Control: the same call with a valid image does reach the trap, so ``connections == 0`` above means something."""
    result, _failed = populate(params(dict(retries=0, timeout=5), trap, tmp))
    assert result['images'][0]['status'] == 'failed'
    assert trap.connections >= 1
