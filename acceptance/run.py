# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make acceptance: warm images on your own Harbor and check that each selected platform pulls by tag.

1. run the companion playbook (playbooks/prewarm.yml) on the images, waiting until Harbor has committed them;
2. optionally run a command of yours (``--before-checks``), for example one that cuts a lab Harbor off upstream;
3. pull every selected platform of every image by tag, and by its platform digest, with skopeo, and by tag with
   containerd where it can run here (root, containerd installed): a private daemon, never the machine's own;
4. print one line per check; exit 0 only when the warm and every check passed.

Credentials come from HARBOR_USERNAME and HARBOR_PASSWORD (a robot account), as for the playbook; without them the
pulls are anonymous (a public project). skopeo gets them in a temporary auth file; containerd's ctr only takes them
on its command line (visible to local users while it pulls): use --no-containerd on a shared machine.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COLLECTIONS = os.path.join(ROOT, 'build', 'collections')
PLAYBOOK = os.path.join(ROOT, 'playbooks', 'prewarm.yml')


def parse(argv):
    parser = argparse.ArgumentParser(prog='make acceptance', description=__doc__.splitlines()[0])
    parser.add_argument('--harbor', required=True, help='Harbor URL, for example https://harbor.example.com')
    parser.add_argument('--project', required=True, help='the proxy-cache project, for example proxy_hub')
    parser.add_argument('--image', action='append', required=True, dest='images',
                        help='repository:tag inside the project, for example library/alpine:3.20 (repeat for more)')
    parser.add_argument('--platform', action='append', dest='platforms', help='os/arch[/variant] to warm and check (repeat; default linux/amd64)')
    parser.add_argument('--wait', type=int, default=600, help='seconds to wait for Harbor to commit (default %(default)s)')
    parser.add_argument('--complete-index', action='store_true', help='have Harbor store each index with every platform')
    parser.add_argument('--ca-path', help="PEM file of the CA that signed Harbor's certificate")
    parser.add_argument('--interval', type=float, default=20.0, help="Harbor's store interval (change only for a test Harbor)")
    parser.add_argument('--parallel', type=int, default=4, help='images warmed at once (default %(default)s)')
    parser.add_argument('--before-checks', help='a shell command to run after the warm, before the pulls')
    parser.add_argument('--no-containerd', action='store_true', help='check with skopeo only')
    options = parser.parse_args(argv)
    options.platforms = options.platforms or ['linux/amd64']
    options.harbor = options.harbor.rstrip('/')
    bad = [image for image in options.images if ':' not in image.rsplit('/', 1)[-1] or '@' in image]
    if bad:
        parser.error('give each image as repository:tag inside the project (the check is a pull by tag): %s' % ', '.join(bad))
    return options


def credentials():
    user, password = os.environ.get('HARBOR_USERNAME'), os.environ.get('HARBOR_PASSWORD')
    return (user, password) if user and password else None


def warm(options, workdir):
    """Run the companion playbook; return (its exit code, its JSON report or None)."""
    report = os.path.join(workdir, 'report.json')
    variables = {
        'prewarm_images': ['%s/%s' % (options.project, image) for image in options.images],
        'prewarm_proxy_caches': [{'regex_url': '^(.+):([^:/]+)$', 'replacement_oci': options.harbor + '/v2/$1/manifests/$2'}],
        'prewarm_platforms': options.platforms, 'prewarm_parallel': options.parallel, 'prewarm_report': report,
        'prewarm_cache_flavor': 'harbor', 'prewarm_wait_for_commit': options.wait, 'prewarm_fail_on_error': False,
        'prewarm_complete_index': options.complete_index, 'prewarm_harbor_check_interval': options.interval,
        'prewarm_ca_path': options.ca_path or '',
    }
    path = os.path.join(workdir, 'vars.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(variables, handle)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', PLAYBOOK,
               '-e', '@' + path, '--forks', str(max(5, options.parallel))]
    print('$ ' + ' '.join(command), flush=True)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    returncode = subprocess.run(command, env=env, check=False).returncode
    if not os.path.exists(report):
        return returncode, None
    with open(report, encoding='utf-8') as handle:
        return returncode, json.load(handle)


class Clients:
    """skopeo and, where it can run, a private containerd; credentials and CA set up once."""

    def __init__(self, options, workdir):
        self.options = options
        self.netloc = urllib.parse.urlsplit(options.harbor).netloc
        self.plain = options.harbor.startswith('http://')
        self.workdir = workdir
        self.creds = credentials()
        self.authfile = self._authfile()
        self.cert_dir = self._cert_dir()
        self.containerd, self.containerd_note = self._containerd()

    def _authfile(self):
        path = os.path.join(self.workdir, 'auth.json')
        auths = {self.netloc: {'auth': base64.b64encode(('%s:%s' % self.creds).encode()).decode()}} if self.creds else {}
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as handle:
            json.dump({'auths': auths}, handle)
        return path

    def _cert_dir(self):
        if not self.options.ca_path:
            return None
        directory = os.path.join(self.workdir, 'certs')
        os.makedirs(directory)
        shutil.copy(self.options.ca_path, os.path.join(directory, 'ca.crt'))
        return directory

    def _containerd(self):
        if self.options.no_containerd:
            return None, 'not asked for (--no-containerd)'
        if os.geteuid() != 0 or not (shutil.which('containerd') and shutil.which('ctr')):
            return None, 'skipped: needs root and containerd (apt-get install containerd)'
        from ansible_collections.prewarm.harbor.tests.stand.containerd import Containerd  # pylint: disable=import-outside-toplevel
        daemon = Containerd(os.path.join(self.workdir, 'containerd'))
        os.makedirs(os.path.join(self.workdir, 'logs'), exist_ok=True)
        daemon.start()
        return daemon, ''

    def skopeo(self, reference, platform):
        """(ok, last line of skopeo's error) copying ``reference`` for ``platform`` into a throw-away layout."""
        os_name, arch, variant = (platform.split('/') + [''])[:3]
        with tempfile.TemporaryDirectory(dir=self.workdir) as scratch:
            argv = ['skopeo', '--insecure-policy', '--override-os', os_name, '--override-arch', arch, '--tmpdir', scratch]
            argv += ['--override-variant', variant] if variant else []
            argv += ['copy', '--retry-times', '0', '--src-authfile', self.authfile]
            argv += ['--src-tls-verify=false'] if self.plain else ['--src-tls-verify=true'] + (
                ['--src-cert-dir', self.cert_dir] if self.cert_dir else [])
            argv += ['docker://%s/%s' % (self.netloc, reference), 'oci:%s:pulled' % os.path.join(scratch, 'layout')]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)
        return done.returncode == 0, (done.stderr.strip().splitlines() or [''])[-1][-300:]

    def ctr(self, reference, platform):
        pulled = self.containerd.pull(self.options.harbor, reference, platform, creds=self.creds, ca_path=self.options.ca_path)
        return pulled.ok, (pulled.stderr.strip().splitlines() or [''])[-1][-300:]

    def close(self):
        if self.containerd is not None:
            self.containerd.stop()


def check(report, clients):
    """Pull each selected platform back; returns the (ok, line) of every check."""
    lines = []
    for entry in report['images']:
        image = entry['image']
        harbor = entry.get('harbor') or {}
        if entry['status'] not in ('warmed', 'cached') or not harbor.get('committed'):
            reason = entry.get('msg') or harbor.get('note') or entry['status']
            lines.append((False, '%-44s not committed: %s' % (image, reason[len(image) + 2:] if reason.startswith(image + ': ') else reason)))
        for platform in entry.get('platforms') or []:
            name, digest = platform['platform'], platform.get('digest')
            by_digest = '%s@%s' % (image.rsplit(':', 1)[0], digest)
            tries = [('skopeo by tag', clients.skopeo, image), ('skopeo by digest', clients.skopeo, by_digest)]
            if clients.containerd is not None:
                tries.append(('containerd by tag', clients.ctr, image))
            for what, pull, reference in tries:
                ok, problem = pull(reference, name)
                lines.append((ok, '%-44s %-14s %-18s%s' % (image, name, what, '' if ok else '  ' + problem)))
    return lines


def main(argv=None):
    options = parse(sys.argv[1:] if argv is None else argv)
    print('Acceptance on %s, project %s: %d images, platforms %s; waiting up to %d s for Harbor to commit.' % (
        options.harbor, options.project, len(options.images), ', '.join(options.platforms), options.wait), flush=True)
    with tempfile.TemporaryDirectory(prefix='prewarm-acceptance-') as workdir:
        returncode, report = warm(options, workdir)
        if report is None:
            print('\nFAILED: the playbook wrote no report (exit %d); see its output above.' % returncode)
            return 1
        if options.before_checks:
            print('$ ' + options.before_checks, flush=True)
            if subprocess.run(options.before_checks, shell=True, check=False).returncode != 0:
                print('\nFAILED: the --before-checks command failed.')
                return 1
        clients = Clients(options, workdir)
        try:
            lines = check(report, clients)
        finally:
            clients.close()
    print('\nChecks (containerd %s):' % (clients.containerd_note or 'included'))
    for ok, line in lines:
        print('  %-4s %s' % ('ok' if ok else 'FAIL', line))
    failed = sum(1 for ok, _line in lines if not ok)
    verdict = 'FAILED' if failed or returncode else 'Accepted'
    exited = '; the playbook exited %d' % returncode if returncode else ''
    print('\n%s: %d of %d checks passed%s.' % (verdict, len(lines) - failed, len(lines), exited))
    return 1 if failed or returncode else 0


if __name__ == '__main__':
    sys.exit(main())
