# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make acceptance: warm images on your own Harbor and check that each selected platform pulls by tag.

1. run the companion playbook (playbooks/prewarm.yml) on the images, waiting until Harbor has committed them (and,
   with ``--app-registry``, verifying or with ``--deliver`` delivering them where the Pods pull them);
2. optionally run a command of yours (``--before-checks``), for example one that cuts a lab Harbor off upstream;
3. pull every selected platform of every image by tag, and by its platform digest, with skopeo, and by tag with
   containerd where it can run here (root, containerd installed): a private daemon, never the machine's own;
4. with ``--app-registry``: optionally run ``--before-app-checks`` (for example one that stops a lab Harbor), then
   pull every selected platform of each Pod's own reference (``<app registry>/<namespace>/<image>:<tag>``) by tag
   from the application registry, with skopeo and containerd as above;
5. print one line per check; exit 0 only when the warm and every check passed.

Credentials come from HARBOR_USERNAME and HARBOR_PASSWORD (a robot account), as for the playbook; without them the
pulls are anonymous (a public project). The application registry's come from PREWARM_APP_REGISTRY_USERNAME and
PREWARM_APP_REGISTRY_PASSWORD (for ECR: AWS and a token), Harbor's replicating system robot's, for --deliver, from
PREWARM_REPLICATION_USERNAME and PREWARM_REPLICATION_PASSWORD. skopeo gets them in a temporary auth file;
containerd's ctr only takes them on its command line (visible to local users while it pulls): use --no-containerd
on a shared machine.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import os
import re
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
    app = parser.add_argument_group('where the Pods pull (the application registry Harbor replicates to)')
    app.add_argument('--app-registry', help='its URL, for example https://123456789012.dkr.ecr.eu-west-1.amazonaws.com')
    app.add_argument('--app-namespace', help='the path the Pods write before the image (default: the project, as '
                                             "Harbor's replication names it by default)")
    app.add_argument('--app-endpoint', help='reach it at this URL instead (a private endpoint, a test registry)')
    app.add_argument('--app-wait', type=int, default=60,
                     help='seconds to keep looking for the references there (an event-based policy copies after the commit; '
                          'default %(default)s)')
    app.add_argument('--deliver', action='store_true', help="start Harbor's replication for the images not there by tag")
    app.add_argument('--policy', help='the replication policy to run (default: the one that copies there)')
    app.add_argument('--scope', choices=('narrow', 'policy'), default='narrow', help='see the module (default %(default)s)')
    app.add_argument('--before-app-checks', help='a shell command to run before pulling from it, for example one '
                                                 'that stops a lab Harbor')
    options = parser.parse_args(argv)
    options.platforms = options.platforms or ['linux/amd64']
    options.harbor = options.harbor.rstrip('/')
    app_only = [name for name in ('app_endpoint', 'deliver', 'policy', 'before_app_checks') if getattr(options, name)]
    if app_only and not options.app_registry:
        parser.error('--%s needs --app-registry' % app_only[0].replace('_', '-'))
    if options.app_registry:
        options.app_registry = options.app_registry.rstrip('/')
        if not urllib.parse.urlsplit(options.app_registry).netloc:
            parser.error('give --app-registry as a URL with its host, for example https://123456789012.dkr.ecr.eu-west-1.amazonaws.com')
        options.app_namespace = (options.app_namespace or options.project).strip('/')
    bad = [image for image in options.images if ':' not in image.rsplit('/', 1)[-1] or '@' in image]
    if bad:
        parser.error('give each image as repository:tag inside the project (the check is a pull by tag): %s' % ', '.join(bad))
    return options


def app_host(options):
    return urllib.parse.urlsplit(options.app_registry).netloc


def images_and_rules(options):
    """The references the playbook warms, and its rule: the project's own, or the Pods' in the application registry."""
    if not options.app_registry:
        return (['%s/%s' % (options.project, image) for image in options.images],
                [{'regex_url': '^(.+):([^:/]+)$', 'replacement_oci': options.harbor + '/v2/$1/manifests/$2'}])
    prefix = '%s/%s/' % (app_host(options), options.app_namespace)
    return ([prefix + image for image in options.images],
            [{'regex_url': '^%s(.+):([^:/]+)$' % re.escape(prefix),
              'replacement_oci': '%s/v2/%s/$1/manifests/$2' % (options.harbor, options.project)}])


def application_registry(options):
    """The playbook's prewarm_application_registry: verify (or deliver), secrets by environment variable name."""
    if not options.app_registry:
        return {}
    given = {'verify': True, 'wait': options.app_wait, 'username_env': 'PREWARM_APP_REGISTRY_USERNAME', 'password_env': 'PREWARM_APP_REGISTRY_PASSWORD'}
    if options.app_endpoint or options.app_registry.startswith('http://'):
        given['endpoints'] = {app_host(options): (options.app_endpoint or options.app_registry).rstrip('/')}
    if options.deliver:
        given.update(deliver=True, scope=options.scope, deadline=options.wait, replication_username_env='PREWARM_REPLICATION_USERNAME',
                     replication_password_env='PREWARM_REPLICATION_PASSWORD')
        given.update({'policy': options.policy} if options.policy else {})
    return {key: value for key, value in given.items() if not key.endswith('_env') or os.environ.get(value)}


def warm(options, workdir):
    """Run the companion playbook; return (its exit code, its JSON report or None)."""
    report = os.path.join(workdir, 'report.json')
    images, rules = images_and_rules(options)
    variables = {
        'prewarm_images': images,
        'prewarm_proxy_caches': rules,
        'prewarm_application_registry': application_registry(options),
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


@dataclasses.dataclass(frozen=True)
class Source:
    """A registry to pull from: ``url`` where it is reached, ``host`` the name the references write (they differ only
    for an endpoint, which the clients are set up to use as a node's mirror), and its credentials."""

    url: str
    host: str
    creds: tuple | None

    @property
    def netloc(self):
        return urllib.parse.urlsplit(self.url).netloc

    @property
    def plain(self):
        return self.url.startswith('http://')

    @property
    def mirrored(self):
        return self.host != self.netloc


def sources(options):
    """Harbor, and the application registry when asked for."""
    harbor = Source(options.harbor, urllib.parse.urlsplit(options.harbor).netloc, credentials('HARBOR_USERNAME', 'HARBOR_PASSWORD'))
    if not options.app_registry:
        return harbor, None
    return harbor, Source((options.app_endpoint or options.app_registry).rstrip('/'), app_host(options),
                          credentials('PREWARM_APP_REGISTRY_USERNAME', 'PREWARM_APP_REGISTRY_PASSWORD'))


def credentials(user_variable, password_variable):
    user, password = os.environ.get(user_variable), os.environ.get(password_variable)
    return (user, password) if user and password else None


class Clients:
    """skopeo and, where it can run, a private containerd; credentials and CA set up once."""

    def __init__(self, options, workdir, reachable):
        self.options = options
        self.workdir = workdir
        self.authfile = self._authfile(reachable)
        self.cert_dir = self._cert_dir()
        self.containerd, self.containerd_note = self._containerd()

    def _authfile(self, reachable):
        path = os.path.join(self.workdir, 'auth.json')
        auths = {source.netloc: {'auth': base64.b64encode(('%s:%s' % source.creds).encode()).decode()}
                 for source in reachable if source and source.creds}
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

    def skopeo(self, source, reference, platform):
        """(ok, last line of skopeo's error) copying ``reference`` for ``platform`` into a throw-away layout."""
        os_name, arch, variant = (platform.split('/') + [''])[:3]
        with tempfile.TemporaryDirectory(dir=self.workdir) as scratch:
            argv = ['skopeo', '--insecure-policy', '--override-os', os_name, '--override-arch', arch, '--tmpdir', scratch]
            argv += ['--override-variant', variant] if variant else []
            if source.mirrored:  # the reference's host answered by the endpoint, as a node's mirror (skopeo's hidden flag)
                from ansible_collections.prewarm.harbor.tests.stand.oracle import mirror_conf  # pylint: disable=import-outside-toplevel
                argv += ['--registries-conf', mirror_conf(os.path.join(scratch, 'registries.conf'), source.host, source.url)]
            argv += ['copy', '--retry-times', '0', '--src-authfile', self.authfile]
            argv += ['--src-tls-verify=false'] if source.plain else ['--src-tls-verify=true'] + (
                ['--src-cert-dir', self.cert_dir] if self.cert_dir else [])
            argv += ['docker://%s/%s' % (source.host, reference), 'oci:%s:pulled' % os.path.join(scratch, 'layout')]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)
        return done.returncode == 0, (done.stderr.strip().splitlines() or [''])[-1][-300:]

    def ctr(self, source, reference, platform):
        pulled = self.containerd.pull(source.url, reference, platform, creds=source.creds, ca_path=self.options.ca_path,
                                      host=source.host if source.mirrored else None)
        return pulled.ok, (pulled.stderr.strip().splitlines() or [''])[-1][-300:]

    def close(self):
        if self.containerd is not None:
            self.containerd.stop()


def check(report, clients, harbor):
    """Pull each selected platform back from Harbor; returns the (ok, line) of every check."""
    lines = []
    for entry in report['images']:
        image = entry['manifest_url'].split('/v2/', 1)[1].replace('/manifests/', ':')
        harbor_block = entry.get('harbor') or {}
        if entry['status'] not in ('warmed', 'cached') or not harbor_block.get('committed'):
            reason = entry.get('msg') or harbor_block.get('note') or entry['status']
            lines.append((False, '%-44s not committed: %s' % (image, reason[len(entry['image']) + 2:] if reason.startswith(entry['image'] + ': ') else reason)))
        for platform in entry.get('platforms') or []:
            name, digest = platform['platform'], platform.get('digest')
            by_digest = '%s@%s' % (image.rsplit(':', 1)[0], digest)
            tries = [('skopeo by tag', clients.skopeo, image), ('skopeo by digest', clients.skopeo, by_digest)]
            if clients.containerd is not None:
                tries.append(('containerd by tag', clients.ctr, image))
            for what, pull, reference in tries:
                ok, problem = pull(harbor, reference, name)
                lines.append((ok, '%-44s %-14s %-18s%s' % (image, name, what, '' if ok else '  ' + problem)))
    return lines


def check_app(report, clients, app):
    """Pull each selected platform of each Pod's own reference, by tag, from the application registry."""
    lines = []
    for entry in report['images']:
        block = entry.get('application_registry') or {}
        if not block.get('present'):
            lines.append((False, '%s not there by tag: %s' % (entry['image'], block.get('msg') or entry.get('msg') or entry['status'])))
        reference = entry['image'][len(app.host) + 1:]
        for platform in entry.get('platforms') or []:
            tries = [('skopeo by tag', clients.skopeo)] + ([('containerd by tag', clients.ctr)] if clients.containerd else [])
            for what, pull in tries:
                ok, problem = pull(app, reference, platform['platform'])
                lines.append((ok, '%-60s %-14s %-18s%s' % (entry['image'], platform['platform'], what, '' if ok else '  ' + problem)))
    return lines


def run_command(what, command):
    """Run a user's shell command; False (after saying so) when it failed."""
    print('$ ' + command, flush=True)
    if subprocess.run(command, shell=True, check=False).returncode != 0:
        print('\nFAILED: the %s command failed.' % what)
        return False
    return True


def main(argv=None):
    options = parse(sys.argv[1:] if argv is None else argv)
    print('Acceptance on %s, project %s: %d images, platforms %s; waiting up to %d s for Harbor to commit%s.' % (
        options.harbor, options.project, len(options.images), ', '.join(options.platforms), options.wait,
        '; then where the Pods pull them, %s/%s' % (options.app_registry, options.app_namespace) if options.app_registry else ''),
        flush=True)
    harbor, app = sources(options)
    with tempfile.TemporaryDirectory(prefix='prewarm-acceptance-') as workdir:
        returncode, report = warm(options, workdir)
        if report is None:
            print('\nFAILED: the playbook wrote no report (exit %d); see its output above.' % returncode)
            return 1
        if options.before_checks and not run_command('--before-checks', options.before_checks):
            return 1
        clients = Clients(options, workdir, (harbor, app))
        try:
            lines = check(report, clients, harbor)
            if app and options.before_app_checks and not run_command('--before-app-checks', options.before_app_checks):
                return 1
            app_lines = check_app(report, clients, app) if app else []
        finally:
            clients.close()
    print('\nChecks (containerd %s):' % (clients.containerd_note or 'included'))
    for ok, line in lines:
        print('  %-4s %s' % ('ok' if ok else 'FAIL', line))
    if app:
        print('\nWhere the Pods pull, %s%s:' % (app.host, ' (reached at %s)' % app.url if app.mirrored else ''))
        for ok, line in app_lines:
            print('  %-4s %s' % ('ok' if ok else 'FAIL', line))
    lines += app_lines
    failed = sum(1 for ok, _line in lines if not ok)
    verdict = 'FAILED' if failed or returncode else 'Accepted'
    exited = '; the playbook exited %d' % returncode if returncode else ''
    print('\n%s: %d of %d checks passed%s.' % (verdict, len(lines) - failed, len(lines), exited))
    return 1 if failed or returncode else 0


if __name__ == '__main__':
    sys.exit(main())
