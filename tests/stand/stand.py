# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry test stand: upstream, an emulated Harbor and a plain pull-through proxy, all on loopback.

Processes:

* ``upstream``: ``docker-registry``, the origin, seeded by the stand; no auth.
* ``local``: ``docker-registry``, writable, no auth: Harbor's internal registry, written only by the emulator.
* ``harbor``: the Harbor emulator (``harbor/``, a Python process): Harbor core's proxy cache over ``local``
  and ``upstream``, HTTP and HTTPS, with its token service, REST API and background store jobs.
* ``proxy``: ``docker-registry`` pull-through cache of upstream (``proxy.remoteurl``), ``auth: token``: the plain
  distribution cache, the stand's second kind of cache.
* ``app``: ``docker-registry``, writable, HTTPS with the stand's CA, Basic authentication (``AWS`` and a random
  password, as an ECR token): the application registry Harbor replicates to (the ECR stand-in).
"""

import atexit
import contextlib
import dataclasses
import json
import os
import secrets
import shutil
import tempfile
import time
import urllib.parse

import requests

from . import (accesslog, builder, certs, containerd, emulator, htpasswd, issuer, model, oracle, process, registry, seed, services,
               signing, storage)
from .harbor.config import VERSIONS, Project, Registry, Settings, Timing
from .model import ALL_MANIFEST_TYPES
from .switches import Switches

HARBOR_INTERVAL = 20.0  # Harbor's own sleepIntervalSec
APP_REGISTRY_ID = 1  # the application registry's id among Harbor's registry endpoints
REPLICATION_MODES = ('event', 'manual', None)


class Stand:  # pylint: disable=too-many-instance-attributes,too-many-public-methods
    """Start with ``with Stand(workdir) as stand:``; see README.md for the attributes tests use."""

    public_project = 'proxy_hub'
    private_project = 'proxy_private'
    robot_user = 'robot$pull'
    replicator_user = 'robot$replicator'
    app_registry_user = 'AWS'
    replication_policy_name = 'proxy_hub-to-app'

    def __init__(self, workdir, large_layer_bytes=0, token_lifetime=1800,  # pylint: disable=too-many-arguments
                 harbor_interval=HARBOR_INTERVAL, token_leeway=60.0, replication='event', harbor_version='2.14'):
        if not 0 <= large_layer_bytes <= 1 << 30:
            raise ValueError('large_layer_bytes must be between 0 and 1 GiB')
        if replication not in REPLICATION_MODES:
            raise ValueError(f'replication must be one of {REPLICATION_MODES}')
        if harbor_version not in VERSIONS:
            raise ValueError(f'harbor_version must be one of {VERSIONS}')
        self.workdir = os.path.abspath(workdir)
        self.large_layer_bytes = large_layer_bytes
        self.replication = replication
        self.harbor_version = harbor_version
        self.robot_password = secrets.token_urlsafe(18)
        self.replicator_password = secrets.token_urlsafe(18)
        self.app_registry_password = secrets.token_urlsafe(48)  # bcrypt reads 72 bytes at most
        self.token_lifetime = token_lifetime
        self.harbor_interval = float(harbor_interval)
        self.token_leeway = float(token_leeway)
        self.switches = Switches(token_lifetime)
        self.upstream_storage_dir = os.path.join(self.workdir, 'storage', 'upstream')
        self.proxy_storage_dir = os.path.join(self.workdir, 'storage', 'proxy')
        self.harbor_storage_dir = os.path.join(self.workdir, 'storage', 'harbor')
        self.app_storage_dir = os.path.join(self.workdir, 'storage', 'app')
        self.access_log_path = os.path.join(self.workdir, 'logs', 'harbor-access.log')
        self.images = {}
        self.startup_seconds = None
        self.tls = None
        self.harbor = None       # emulator.Control
        self._settings = None
        self._procs = {}
        self._services = None
        self._builder = None
        self._containerd = None

    # -- lifecycle -----------------------------------------------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        """Start every component, seed upstream, write ``<workdir>/stand.json``."""
        started = time.monotonic()
        atexit.register(self.stop)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = round(time.monotonic() - started, 3)
        self.write_description(os.path.join(self.workdir, 'stand.json'))

    def _start(self):
        for sub in ('logs', 'tls', 'tmp'):
            os.makedirs(os.path.join(self.workdir, sub), exist_ok=True)
        self.tls = certs.make_tls(os.path.join(self.workdir, 'tls'))
        signer = certs.make_signing_key(os.path.join(self.workdir, 'tls'))
        self._services = services.StandServices(issuer.Issuer(signer, self.switches), self.switches, self._control_actions(),
                                                os.path.join(self.workdir, 'logs', 'services.log'))
        self._services.start()
        auth = registry.TokenAuth(f'http://127.0.0.1:{self._services.port}/raw/token', signer.cert_path)
        make = registry.registry_process
        upstream = self._procs['upstream'] = make('upstream', self.workdir, self.upstream_storage_dir)
        self._procs['local'] = make('local', self.workdir, self.harbor_storage_dir)
        self._procs['proxy'] = make('proxy', self.workdir, self.proxy_storage_dir, auth=auth, remote_url=self.upstream_url)
        password_file = os.path.join(self.workdir, 'tls', 'app-htpasswd')
        htpasswd.write(password_file, self.app_registry_user, self.app_registry_password)
        self._procs['app'] = make('app', self.workdir, self.app_storage_dir, ca_path=self.tls.ca_path,
                                  tls=(self.tls.cert_path, self.tls.key_path), htpasswd=password_file)
        self._settings = self._harbor_settings()
        self._procs['harbor'] = emulator.harbor_process(self.workdir, self._settings)
        for name in ('upstream', 'local', 'harbor', 'app'):
            self._procs[name].start()
        upstream.wait_ready()
        self._procs['proxy'].start()  # it panics while upstream does not answer
        self._builder = builder.ImageBuilder(self.upstream_url)
        self.signer = signing.Signer(self._builder.pusher, urllib.parse.urlsplit(self.upstream_url).netloc)
        self.images = seed.seed(self._builder, self.large_layer_bytes)
        for proc in self._procs.values():
            proc.wait_ready()
        self.harbor = emulator.Control(self._settings.control_port)
        self._services.harbor_control = self.harbor.url

    def _harbor_settings(self):
        timing = Timing.scaled(self.harbor_interval, token_leeway=self.token_leeway, token_lifetime=self.token_lifetime)
        projects = (Project(self.public_project, public=True, project_id=2), Project(self.private_project, public=False, project_id=3))
        app = Registry(APP_REGISTRY_ID, 'app-registry', self.app_registry_url, self.app_registry_user, self.app_registry_password,
                       self.tls.ca_path)
        return Settings(http_port=process.free_port(), https_port=process.free_port(), cert_path=self.tls.cert_path,
                        key_path=self.tls.key_path, upstream_url=self.upstream_url, local_url=self.local_url,
                        local_storage=self.harbor_storage_dir, control_port=process.free_port(), access_log=self.access_log_path,
                        robot_user=self.robot_user, robot_password=self.robot_password, projects=projects, timing=timing,
                        version=self.harbor_version, replicator_user=self.replicator_user,
                        replicator_password=self.replicator_password, registries=(app,), policies=self._initial_policies())

    def _initial_policies(self):
        """``replication='event'`` (or ``'manual'``): everything of the public project to the application registry,
        same names, override on (goharbor/harbor#16058's setting)."""
        if self.replication is None:
            return ()
        trigger = 'event_based' if self.replication == 'event' else 'manual'
        return (replication_body(self.replication_policy_name, filters=[{'type': 'name', 'value': f'{self.public_project}/**'}],
                                 trigger=trigger),)

    def stop(self):
        """Stop everything the stand started (idempotent)."""
        atexit.unregister(self.stop)
        if self._containerd is not None:
            self._containerd.stop()
            self._containerd = None
        for name in ('harbor', 'proxy', 'local', 'upstream', 'app'):
            if name in self._procs:
                self._procs[name].stop()
        if self._services is not None:
            self._services.stop()
            self._services = None

    def _control_actions(self):
        return {'rate_limit': self.set_rate_limit, 'manifest_delay': self.set_manifest_delay,
                'token_lifetime': self.set_token_lifetime, 'reset_cache': self.reset_cache,
                'stop_upstream': self.stop_upstream, 'start_upstream': self.start_upstream,
                'stop_harbor': self.stop_harbor, 'start_harbor': self.start_harbor, 'reset_app_registry': self.reset_app_registry}

    # -- addresses -----------------------------------------------------------------------------------------------

    def port(self, name):
        """Port of a component: upstream, local, proxy, harbor, app."""
        return self._procs[name].port

    @property
    def upstream_url(self):
        """The origin registry (no auth)."""
        return f'http://127.0.0.1:{self.port("upstream")}'

    @property
    def local_url(self):
        """Harbor's internal registry (no auth; only the emulator writes to it)."""
        return f'http://127.0.0.1:{self.port("local")}'

    @property
    def proxy_url(self):
        """The plain pull-through proxy (token auth; realm is the raw token endpoint, no projects)."""
        return f'http://127.0.0.1:{self.port("proxy")}'

    @property
    def harbor_url(self):
        """The emulated Harbor over HTTP."""
        return f'http://127.0.0.1:{self._settings.http_port}'

    @property
    def harbor_https_url(self):
        """The emulated Harbor over HTTPS (trust ``ca_path``)."""
        return f'https://127.0.0.1:{self._settings.https_port}'

    @property
    def ca_path(self):
        """PEM file of the CA that signed Harbor's certificate."""
        return self.tls.ca_path

    @property
    def ca_dir(self):
        """Directory holding ``ca.crt``, for ``skopeo --src-cert-dir``."""
        return self.tls.ca_dir

    @property
    def control_url(self):
        """Control API (``GET`` state, ``POST <url>/<action>``; ``<url>/harbor/...`` reaches the emulator)."""
        return f'http://127.0.0.1:{self._services.port}/control'

    @property
    def robot_creds(self):
        """``(user, password)`` of the robot account."""
        return self.robot_user, self.robot_password

    @property
    def replicator_creds(self):
        """``(user, password)`` of the system-level robot allowed to replicate (11.4)."""
        return self.replicator_user, self.replicator_password

    @property
    def app_registry_url(self):
        """The application registry: ``https://127.0.0.1:<port>`` (trust ``ca_path``; Basic ``app_registry_creds``)."""
        return f'https://127.0.0.1:{self.port("app")}'

    @property
    def app_registry_host(self):
        """``127.0.0.1:<port>`` of the application registry, as an image reference names it."""
        return f'127.0.0.1:{self.port("app")}'

    @property
    def app_registry_creds(self):
        """``(user, password)`` of the application registry."""
        return self.app_registry_user, self.app_registry_password

    # -- upstream and caches -------------------------------------------------------------------------------------

    @property
    def upstream_running(self):
        """True while upstream serves."""
        return self._procs['upstream'].running

    def stop_upstream(self):
        """Stop upstream; port and storage are kept. Harbor then falls back to what it holds, request by request."""
        self._procs['upstream'].stop()

    def start_upstream(self):
        """Start upstream again on the same port and storage; Harbor rechecks its health at once."""
        self._procs['upstream'].start()
        self._procs['upstream'].wait_ready()
        self.harbor_health_check()

    @contextlib.contextmanager
    def upstream_tag_deleted(self, repository, tag):
        """Upstream without ``<repository>:<tag>`` inside the block, as when a publisher deletes a tag: its manifest
        stays by digest, a request by tag gets 404 (the tag's directory moved out of upstream's storage, and back)."""
        tags = os.path.join(self.upstream_storage_dir, 'docker', 'registry', 'v2', 'repositories', repository, '_manifests', 'tags')
        kept = tempfile.mkdtemp(prefix='tag-', dir=self.workdir)
        shutil.move(os.path.join(tags, tag), kept)
        try:
            yield
        finally:
            shutil.move(os.path.join(kept, tag), tags)
            os.rmdir(kept)

    def reset_cache(self):
        """Both caches cold: the proxy's storage wiped, Harbor's jobs cancelled (replications included), its database,
        events, executions and registry emptied; the application registry emptied too. Policies stay."""
        if not self.upstream_running:
            self.start_upstream()
        self.harbor.act('reset', http_timeout=120)
        roots = (('proxy', self.proxy_storage_dir), ('local', self.harbor_storage_dir), ('app', self.app_storage_dir))
        for name, root in roots:
            self._procs[name].stop()
            storage.wipe(root)
            self._procs[name].start()
        for name, _root in roots:
            self._procs[name].wait_ready()

    def stop_app_registry(self):
        """The application registry down (connections refused); its storage is kept."""
        self._procs['app'].stop()

    def start_app_registry(self):
        """The application registry up again, on the same port and storage."""
        self._procs['app'].start()
        self._procs['app'].wait_ready()

    def reset_app_registry(self):
        """Empty the application registry (Harbor's state stays)."""
        self._procs['app'].stop()
        storage.wipe(self.app_storage_dir)
        self._procs['app'].start()
        self._procs['app'].wait_ready()

    def storage_of(self, repository):
        """(storage root, registry name): ``<project>/<repo>`` is Harbor's, anything else the plain proxy's."""
        project, _sep, _rest = repository.partition('/')
        if project in (self.public_project, self.private_project):
            return self.harbor_storage_dir, repository
        return self.proxy_storage_dir, repository

    def blob_cached(self, repository, digest):
        """True when the cache holds ``digest`` for ``repository``: ``<repo>``, the proxy links it; ``<project>/<repo>``,
        Harbor's registry links it **and** Harbor has its blob row (made just after the upload, docs/harbor.md 4.4)."""
        root, name = self.storage_of(repository)
        if not storage.blob_linked(root, name, digest):
            return False
        return root != self.harbor_storage_dir or digest in self.harbor.blob_rows()

    def wait_blob_cached(self, repository, digest, timeout=5.0):
        """Wait for ``blob_cached``: both caches commit a blob just *after* the client read its last byte."""
        deadline = time.monotonic() + timeout
        while not self.blob_cached(repository, digest):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def snapshot_proxy_storage(self, include_scheduler_state=False):
        """``{relative path: (size, mtime_ns)}`` of the plain proxy's storage, for before/after equality checks.

        ``scheduler-state.json`` is left out unless asked for: the proxy rewrites it on a timer, not per request.
        """
        return storage.snapshot(self.proxy_storage_dir, include_scheduler_state)

    def snapshot_harbor_storage(self):
        """The same for Harbor's registry (``harbor_state()`` is the database side)."""
        return storage.snapshot(self.harbor_storage_dir)

    # -- Harbor --------------------------------------------------------------------------------------------------

    def harbor_state(self):
        """The emulated database: per repository its artifacts (digest, tags, references), tags and linked blobs."""
        return self.harbor.state()

    def harbor_holdings(self):
        """What Harbor holds, for before/after equality: its database (artifacts, tags, blobs per repository, blob
        rows, list cache, trimmed digests) and its registry's storage. Jobs and switches are left out."""
        state = self.harbor_state()
        return {key: state[key] for key in ('repositories', 'blob_rows', 'list_cache', 'trimmed')}, self.snapshot_harbor_storage()

    def harbor_quiesce(self, timeout=600):
        """Wait until no Harbor background job (store, EnsureTag) is pending; True when that happened in time."""
        return self.harbor.act('quiesce', http_timeout=timeout + 30, timeout=timeout)['quiet']

    def harbor_fail_store(self, count):
        """Harbor's background store of the next ``count`` blobs fails silently (#23600)."""
        self.harbor.act('fail_store', count=count)

    def harbor_health_check(self):
        """Harbor's registry health check now (it runs every 5 minutes); True when upstream answered."""
        return self.harbor.act('health_check')['healthy']

    def set_upstream_fault(self, mode='ok', delay=0.0):
        """What Harbor meets upstream: ``ok``, ``unreachable``, ``rate_limited`` (429) or ``black_holed`` (each request
        fails after ``delay``, Harbor's 30-s dial timeout, docs/harbor.md 2.9), and a delay per request."""
        self.harbor.act('upstream', mode=mode, delay=delay)

    def harbor_artifact(self, repository, reference, creds=None):
        """``GET /api/v2.0/projects/{p}/repositories/{r}/artifacts/{ref}`` (``repository`` is ``<project>/<repo>``)."""
        return harbor_api_artifact(self.harbor_url, repository, reference, creds)

    @property
    def harbor_running(self):
        """True while Harbor's listeners accept connections (``stop_harbor`` closes them)."""
        return self.harbor.state()['listening']

    def stop_harbor(self):
        """Harbor down for its clients: its HTTP and HTTPS listeners closed (connections refused). Its database, jobs
        and replications live on in the emulator, so ``start_harbor`` brings back the same Harbor."""
        self.harbor.act('listen', on=False)

    def start_harbor(self):
        """Open Harbor's listeners again, on the same ports."""
        self.harbor.act('listen', on=True)

    def set_retention_access(self, robot):
        """Whether the robot may read its projects' tag-retention policies (Harbor: the access entry tag-retention:read)."""
        self.harbor.act('retention_access', robot=robot)

    def set_harbor_version(self, version):
        """Follow the rules of ``'2.14'`` (HEAD), ``'2.15.0'`` (#22175's deletion), ``'2.13'`` or ``'2.9.1'`` from now on."""
        self.harbor.act('version', version=version)

    def harbor_delete_artifact(self, repository, reference):
        """Delete an artifact through Harbor's API, as tag retention does (11.7): its tags and untagged children go
        with it, DELETE_ARTIFACT fires. Returns ``{'digest', 'tags'}``; StandError when refused (404, 412)."""
        return self.harbor.act('delete_artifact', repository=repository, reference=reference)

    # -- replication ---------------------------------------------------------------------------------------------

    def harbor_api(self, method, path, creds='replicator', **options):
        """A request to ``<harbor_url>/api/v2.0<path>`` (``creds``: ``'replicator'``, ``'robot'``, a pair or None);
        ``options`` go to requests (``json=``, ``params=``). Returns the response."""
        return requests.request(method, f'{self.harbor_url}/api/v2.0{path}', auth=self._creds(creds), timeout=30, **options)

    def replication_policies(self):
        """Every policy, as ``GET /replication/policies`` answers them."""
        return self.harbor.state()['replication']['policies']

    def replication_policy(self, name=None):
        """The policy called ``name`` (default: the stand's own), or None."""
        wanted = name or self.replication_policy_name
        return next((item for item in self.replication_policies() if item['name'] == wanted), None)

    def create_replication_policy(self, name, filters=(), trigger='manual', **fields):
        """Create a policy as an administrator would through the API; its id. ``fields`` are the API's (``override``,
        ``enabled``, ``dest_namespace``, ``single_active_replication``, ...; ``replicate_deletion`` is sent as the
        ``deletion`` field Harbor's handler reads). Defaults: to the application registry, enabled, override."""
        return self.harbor.act('replication_policy', policy=replication_body(name, list(filters), trigger, **fields))

    def update_replication_policy(self, policy_id, **fields):
        """Change some fields of a policy (Harbor's PUT replaces the whole policy: the others are sent as they are)."""
        current = next(item for item in self.replication_policies() if item['id'] == policy_id)
        body = {key: value for key, value in current.items() if key not in ('id', 'creation_time', 'update_time')}
        if 'trigger' in fields and isinstance(fields['trigger'], str):
            fields['trigger'] = {'type': fields['trigger']}
        body.update(fields)
        body['deletion'] = body.get('replicate_deletion', False)
        return self.harbor.act('replication_policy', policy=body, policy_id=policy_id)

    def start_replication(self, policy_id):
        """Start a manual execution (as ``POST /replication/executions`` does); its id."""
        return self.harbor.act('replication_start', policy_id=policy_id)

    def replication_executions(self, policy_id=None):
        """Executions, newest first, each with its ``tasks``."""
        executions = self.harbor.state()['replication']['executions']
        return [item for item in executions if policy_id in (None, item['policy_id'])]

    def wait_replication(self, execution_id, timeout=60.0):
        """Wait until the execution is no longer InProgress; return it (with its ``tasks``)."""
        deadline = time.monotonic() + timeout
        while True:
            execution = next((item for item in self.replication_executions() if item['id'] == execution_id), None)
            if execution is not None and execution['status'] != 'InProgress':
                return execution
            if time.monotonic() > deadline:
                raise process.StandError(f'replication execution {execution_id} still running after {timeout}s: {execution}')
            time.sleep(0.02)

    def replication_log(self, execution_id, task_id):
        """The text of a task's log (``GET .../tasks/{task_id}/log`` as the replicator robot)."""
        answer = self.harbor_api('GET', f'/replication/executions/{execution_id}/tasks/{task_id}/log')
        answer.raise_for_status()
        return answer.text

    def harbor_events(self):
        """The artifact events Harbor queued (``{type, repository, digest, tags, time}``), oldest first."""
        return self.harbor.state()['events']

    # -- the application registry --------------------------------------------------------------------------------

    def app_registry_request(self, method, path, **options):
        """A request to ``<app_registry_url><path>`` with its credentials and the stand's CA; the response."""
        return requests.request(method, self.app_registry_url + path, auth=self.app_registry_creds, verify=self.ca_path,
                                timeout=30, **options)

    def app_registry_tags(self, repository):
        """The tags the application registry lists for ``repository`` ([] when it has none or does not know it)."""
        answer = self.app_registry_request('GET', f'/v2/{repository}/tags/list')
        if answer.status_code == 404:
            return []
        answer.raise_for_status()
        return sorted(answer.json().get('tags') or [])

    def app_registry_manifest(self, repository, reference, method='GET'):
        """The application registry's answer to a manifest request (every manifest type accepted)."""
        return self.app_registry_request(method, f'/v2/{repository}/manifests/{reference}', headers={'Accept': ', '.join(ALL_MANIFEST_TYPES)})

    # -- images --------------------------------------------------------------------------------------------------

    def push_image(self, repo, tag, **options):
        """Push another image upstream (``builder.ImageBuilder.push_image`` options); return its SeededImage."""
        return self._builder.push_image(repo, tag, **options)

    def push_signed_image(self, repo, tag, kinds=('sig',), referrer=None, on_index_only=False, **options):  # pylint: disable=too-many-arguments
        """Push ``repo:tag`` (``push_image`` options) and sign it upstream with the stand's key (``signer.public_pem``):
        each platform's digest, and a single manifest's own, with cosign's ``kinds`` (sig, att) and, if ``referrer``
        names an artifactType (``signing.BUNDLE``, ``signing.NOTATION``), an OCI 1.1 referrer of it too. With
        ``on_index_only``, only the upstream index digest is signed. Returns a ``model.SignedImage``."""
        image = self.push_image(repo, tag, **options)
        subjects = [(image.digest, image.media_type, image.size)] if on_index_only or not image.is_index else \
            [(item.digest, item.media_type, item.size) for item in image.platforms]
        made = []
        for digest, media_type, size in subjects:
            made += [self.signer.sign(repo, digest) if kind == 'sig' else self.signer.attest(repo, digest) for kind in kinds]
            if referrer:
                made.append(self.signer.refer(repo, digest, media_type, size, referrer))
        return model.SignedImage(image, tuple(made))

    def layer(self, label, payload_bytes=0, seed='stand'):  # pylint: disable=redefined-outer-name
        """A layer spec shareable between ``push_image(..., base_layers=(spec,))`` calls."""
        return self._builder.layer(label, payload_bytes, seed)

    def push_fleet(self, count, total_bytes, **options):
        """Push ``count`` images sharing base layers, about ``total_bytes`` in all (see ``ImageBuilder.push_fleet``)."""
        return self._builder.push_fleet(count, total_bytes, **options)

    # -- switches ------------------------------------------------------------------------------------------------

    def set_rate_limit(self, count=None, retry_after=1):
        """Harbor answers the next ``count`` /v2 requests with 429 and ``Retry-After`` (None: all; 0: off)."""
        self.harbor.act('rate_limit', count=count, retry_after=retry_after)

    def set_manifest_delay(self, seconds):
        """Hold every manifest GET at Harbor for ``seconds`` (0: off)."""
        self.harbor.act('manifest_delay', seconds=seconds)

    def set_token_lifetime(self, seconds):
        """``expires_in`` of tokens issued from now on, by Harbor and by the proxy's token endpoint."""
        self.switches.set_token_lifetime(seconds)
        self.harbor.act('token_lifetime', seconds=seconds)

    def restore_defaults(self):
        """Undo what a previous test may have left: upstream or Harbor stopped, switches set, the store rules of
        another version, changed replication policies (the caches, the executions and the application registry are
        kept)."""
        if not self.upstream_running:
            self.start_upstream()
        self.start_harbor()
        self.set_harbor_version(self.harbor_version)
        self.harbor.act('replication_reset')
        self.set_rate_limit(count=0)
        self.set_manifest_delay(0)
        self.set_token_lifetime(self.token_lifetime)
        self.set_upstream_fault('ok')
        self.harbor_fail_store(0)
        self.harbor_health_check()

    # -- observation ---------------------------------------------------------------------------------------------

    def harbor_log_mark(self):
        """Offset to pass to ``harbor_log(since=...)`` to see only later requests."""
        return accesslog.mark(self.access_log_path)

    def harbor_log(self, since=0):
        """Parsed access log entries of the emulated Harbor (``accesslog.AccessEntry``)."""
        return accesslog.read(self.access_log_path, since)

    def log_paths(self):
        """``{component: log file}``."""
        logs = os.path.join(self.workdir, 'logs')
        return {name[:-4]: os.path.join(logs, name) for name in sorted(os.listdir(logs)) if name.endswith('.log')}

    def log_report(self, lines=30):
        """The end of every log, for a failing test's report."""
        parts = [f'stand workdir: {self.workdir}']
        for name, path in self.log_paths().items():
            parts.append(f'--- {name} ({path})\n{process.tail(path, lines)}')
        return '\n'.join(parts)

    def _creds(self, creds):
        named = {'robot': self.robot_creds, 'replicator': self.replicator_creds, 'app': self.app_registry_creds}
        return named.get(creds, creds) if isinstance(creds, str) else creds

    def _stop_for_pull(self, stop_upstream, stop_harbor):
        if stop_upstream and self.upstream_running:
            self.stop_upstream()
        if stop_harbor:
            self.stop_harbor()

    def oracle_pull(self, base_url, reference, platform, creds=None,  # pylint: disable=too-many-arguments
                    stop_upstream=True, stop_harbor=False, host=None):
        """skopeo-copy ``reference`` for ``platform`` from ``base_url``; stops upstream first unless told not to, and
        Harbor when told to.

        ``creds``: None (anonymous), ``'robot'``, ``'replicator'``, ``'app'`` (the application registry's) or
        ``(user, password)``. ``host``: the registry the reference names (for example an ECR host), reached at
        ``base_url`` as a mirror.
        """
        self._stop_for_pull(stop_upstream, stop_harbor)
        return oracle.pull(base_url, reference, platform, creds=self._creds(creds), ca_dir=self.ca_dir,
                           workdir=os.path.join(self.workdir, 'tmp'), host=host)

    def oracle_copy(self, base_url, reference, creds=None, stop_upstream=True):
        """skopeo-copy one manifest (a signature or referrer) as it is, with its blobs, from ``base_url``, upstream
        stopped first unless told not to: an ``oracle.Copied``."""
        self._stop_for_pull(stop_upstream, False)
        return oracle.copy(base_url, reference, creds=self._creds(creds), ca_dir=self.ca_dir, workdir=os.path.join(self.workdir, 'tmp'))

    def oracle_raw(self, base_url, reference, creds=None, stop_upstream=True):
        """skopeo reads one manifest as served (an index too, no platform chosen), upstream stopped first unless told
        not to: an ``oracle.Copied`` without blobs."""
        self._stop_for_pull(stop_upstream, False)
        return oracle.raw(base_url, reference, creds=self._creds(creds), ca_dir=self.ca_dir)

    def containerd_pull(self, base_url, reference, platform, creds=None,  # pylint: disable=too-many-arguments
                        stop_upstream=True, stop_harbor=False, host=None):
        """Pull and unpack with containerd's ``ctr`` (a fresh namespace, isolated content), as a node would; ``host``
        as for oracle_pull."""
        self._stop_for_pull(stop_upstream, stop_harbor)
        if self._containerd is None:
            self._containerd = containerd.Containerd(os.path.join(self.workdir, 'containerd'))
            self._containerd.start()
        return self._containerd.pull(base_url, reference, platform, creds=self._creds(creds), ca_path=self.ca_path, host=host)

    def describe(self):
        """Everything a shell user needs, JSON-able (the content of stand.json)."""
        return {
            'workdir': self.workdir, 'harbor_url': self.harbor_url, 'harbor_https_url': self.harbor_https_url,
            'ca_path': self.ca_path, 'ca_dir': self.ca_dir, 'public_project': self.public_project,
            'private_project': self.private_project, 'robot_user': self.robot_user, 'robot_password': self.robot_password,
            'replicator_user': self.replicator_user, 'replicator_password': self.replicator_password,
            'app_registry_url': self.app_registry_url, 'app_registry_host': self.app_registry_host,
            'app_registry_user': self.app_registry_user, 'app_registry_password': self.app_registry_password,
            'app_storage_dir': self.app_storage_dir, 'replication': self.replication, 'harbor_version': self.harbor_version,
            'replication_policy_name': self.replication_policy_name if self.replication else None,
            'upstream_url': self.upstream_url, 'proxy_url': self.proxy_url, 'local_url': self.local_url,
            'control_url': self.control_url, 'harbor_control_url': self.harbor.url if self.harbor else None,
            'harbor_interval': self.harbor_interval, 'harbor_timing': dataclasses.asdict(self._settings.timing) if self._settings else None,
            'upstream_storage_dir': self.upstream_storage_dir, 'proxy_storage_dir': self.proxy_storage_dir,
            'harbor_storage_dir': self.harbor_storage_dir, 'access_log': self.access_log_path, 'logs': self.log_paths(),
            'startup_seconds': self.startup_seconds, 'switches': self.switches.state(),
            'images': {key: image.to_dict() for key, image in self.images.items()},
        }

    def write_description(self, path):
        """Write ``describe()`` as JSON to ``path``, atomically: whoever polls for the file reads it whole."""
        with open(path + '.tmp', 'w', encoding='utf-8') as handle:
            json.dump(self.describe(), handle, indent=2)
            handle.write('\n')
        os.replace(path + '.tmp', path)


def replication_body(name, filters=(), trigger='manual', **fields):
    """A policy as the API's POST body: to the application registry, enabled, override on, unless ``fields`` say
    otherwise; ``trigger`` a type name or a trigger object; ``replicate_deletion`` is sent as ``deletion``."""
    body = {'name': name, 'src_registry': None, 'dest_registry': {'id': APP_REGISTRY_ID}, 'dest_namespace': '',
            'filters': list(filters), 'trigger': {'type': trigger} if isinstance(trigger, str) else trigger,
            'enabled': True, 'override': True, 'deletion': False}
    if 'replicate_deletion' in fields:
        fields['deletion'] = fields.pop('replicate_deletion')
    body.update(fields)
    return body


def harbor_api_artifact(base_url, repository, reference, creds=None, verify=True):
    """Ask Harbor's artifacts API (the repository name URL-encoded twice); return the requests response."""
    project, _sep, repo = repository.partition('/')
    name = urllib.parse.quote(urllib.parse.quote(repo, safe=''), safe='')
    url = f'{base_url}/api/v2.0/projects/{project}/repositories/{name}/artifacts/{urllib.parse.quote(reference, safe=":")}'
    return requests.get(url, auth=creds, verify=verify, timeout=30)
