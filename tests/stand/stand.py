# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry test stand: upstream, a pull-through proxy and a Harbor-shaped front, all on loopback.

Processes (all ``docker-registry`` but the front):

* ``upstream``: the origin, seeded by the stand; no auth.
* ``proxy``: pull-through cache of upstream (``proxy.remoteurl``), ``auth: token``.
* ``local``: read-only over the proxy's storage; answers the front's HEAD blob (local only, like Harbor).
* ``heads``: read-only over upstream's storage; answers the front's HEAD manifest (goes upstream, caches nothing).
  It stops and starts with upstream; while it is down nginx falls back to ``local``, as Harbor uses its cache.
* ``front``: nginx with Harbor's paths, challenge, token endpoint, ping/systeminfo, 429 and delay switches, TLS.
"""

import atexit
import json
import os
import secrets
import time

from . import accesslog, builder, certs, front, issuer, oracle, process, registry, seed, services, storage
from .switches import Switches


class Stand:  # pylint: disable=too-many-instance-attributes,too-many-public-methods
    """Start with ``with Stand(workdir) as stand:``; see README.md for the attributes tests use."""

    public_project = 'proxy_hub'
    private_project = 'proxy_private'
    robot_user = 'robot$pull'

    def __init__(self, workdir, large_layer_bytes=0, token_lifetime=1800):
        if not 0 <= large_layer_bytes <= 1 << 30:
            raise ValueError('large_layer_bytes must be between 0 and 1 GiB')
        self.workdir = os.path.abspath(workdir)
        self.large_layer_bytes = large_layer_bytes
        self.robot_password = secrets.token_urlsafe(18)
        self.token_lifetime = token_lifetime
        self.switches = Switches(token_lifetime)
        self.upstream_storage_dir = os.path.join(self.workdir, 'storage', 'upstream')
        self.proxy_storage_dir = os.path.join(self.workdir, 'storage', 'proxy')
        self.access_log_path = os.path.join(self.workdir, 'logs', 'front-access.log')
        self.images = {}
        self.startup_seconds = None
        self.tls = None
        self.https_port = None
        self._procs = {}
        self._services = None
        self._builder = None

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
        projects = {self.public_project: True, self.private_project: False}
        token_issuer = issuer.Issuer(signer, self.switches, projects, self.robot_user, self.robot_password)
        self._services = services.StandServices(token_issuer, self.switches, self._control_actions(),
                                                os.path.join(self.workdir, 'logs', 'services.log'))
        self._services.start()
        auth = registry.TokenAuth(f'http://127.0.0.1:{self._services.port}/raw/token', signer.cert_path)
        make = registry.registry_process
        upstream = self._procs['upstream'] = make('upstream', self.workdir, self.upstream_storage_dir)
        self._procs['heads'] = make('heads', self.workdir, self.upstream_storage_dir, readonly=True, auth=auth)
        self._procs['local'] = make('local', self.workdir, self.proxy_storage_dir, readonly=True, auth=auth)
        self._procs['proxy'] = make('proxy', self.workdir, self.proxy_storage_dir, auth=auth, remote_url=self.upstream_url)
        backends = front.Backends(self.port('proxy'), self.port('local'), self.port('heads'), self._services.port)
        self._procs['front'], self.https_port = front.front_process(self.workdir, backends, self.tls, list(projects))
        for name in ('upstream', 'heads', 'local', 'front'):
            self._procs[name].start()
        upstream.wait_ready()
        self._procs['proxy'].start()  # it panics while upstream does not answer
        self._builder = builder.ImageBuilder(self.upstream_url)
        self.images = seed.seed(self._builder, self.large_layer_bytes)
        for proc in self._procs.values():
            proc.wait_ready()

    def stop(self):
        """Stop everything the stand started (idempotent)."""
        atexit.unregister(self.stop)
        for name in ('front', 'proxy', 'local', 'heads', 'upstream'):
            if name in self._procs:
                self._procs[name].stop()
        if self._services is not None:
            self._services.stop()
            self._services = None

    def _control_actions(self):
        return {'rate_limit': self.set_rate_limit, 'manifest_delay': self.set_manifest_delay,
                'token_lifetime': self.set_token_lifetime, 'reset_cache': self.reset_cache,
                'stop_upstream': self.stop_upstream, 'start_upstream': self.start_upstream}

    # -- addresses -----------------------------------------------------------------------------------------------

    def port(self, name):
        """Port of a component: upstream, proxy, local, heads, front."""
        return self._procs[name].port

    @property
    def upstream_url(self):
        """The origin registry (no auth)."""
        return f'http://127.0.0.1:{self.port("upstream")}'

    @property
    def proxy_url(self):
        """The plain pull-through proxy (token auth; realm is the raw token endpoint, no projects)."""
        return f'http://127.0.0.1:{self.port("proxy")}'

    @property
    def front_url(self):
        """The Harbor-shaped front over HTTP."""
        return f'http://127.0.0.1:{self.port("front")}'

    @property
    def front_https_url(self):
        """The Harbor-shaped front over HTTPS (trust ``ca_path``)."""
        return f'https://127.0.0.1:{self.https_port}'

    @property
    def ca_path(self):
        """PEM file of the CA that signed the front's certificate."""
        return self.tls.ca_path

    @property
    def ca_dir(self):
        """Directory holding ``ca.crt``, for ``skopeo --src-cert-dir``."""
        return self.tls.ca_dir

    @property
    def control_url(self):
        """Control API of the switches (``GET`` state, ``POST <url>/<action>`` with JSON arguments)."""
        return f'http://127.0.0.1:{self._services.port}/control'

    @property
    def robot_creds(self):
        """``(user, password)`` of the robot account."""
        return self.robot_user, self.robot_password

    # -- upstream and cache --------------------------------------------------------------------------------------

    @property
    def upstream_running(self):
        """True while upstream serves."""
        return self._procs['upstream'].running

    def stop_upstream(self):
        """Stop upstream (and the front's HEAD-manifest registry that stands for it); ports and storage are kept."""
        self._procs['heads'].stop()
        self._procs['upstream'].stop()

    def start_upstream(self):
        """Start upstream again on the same port and storage."""
        for name in ('upstream', 'heads'):
            self._procs[name].start()
        for name in ('upstream', 'heads'):
            self._procs[name].wait_ready()

    def reset_cache(self):
        """Stop the proxy, wipe its storage and start it again (upstream is started first if needed)."""
        self._procs['proxy'].stop()
        storage.wipe(self.proxy_storage_dir)
        if not self.upstream_running:
            self.start_upstream()
        self._procs['proxy'].start()
        self._procs['proxy'].wait_ready()

    def _registry_name(self, repository):
        project, _sep, rest = repository.partition('/')
        return rest if project in (self.public_project, self.private_project) else repository

    def blob_cached(self, repository, digest):
        """True when the proxy's storage holds ``digest`` for ``repository`` (``<project>/<repo>`` or ``<repo>``)."""
        return storage.blob_linked(self.proxy_storage_dir, self._registry_name(repository), digest)

    def wait_blob_cached(self, repository, digest, timeout=5.0):
        """Wait for ``blob_cached``: the proxy commits a blob just *after* the client read its last byte."""
        deadline = time.monotonic() + timeout
        while not self.blob_cached(repository, digest):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def snapshot_proxy_storage(self, include_scheduler_state=False):
        """``{relative path: (size, mtime_ns)}`` of the proxy's storage, for before/after equality checks.

        ``scheduler-state.json`` is left out unless asked for: the proxy rewrites it on a timer, not per request.
        """
        return storage.snapshot(self.proxy_storage_dir, include_scheduler_state)

    # -- images --------------------------------------------------------------------------------------------------

    def push_image(self, repo, tag, **options):
        """Push another image upstream (``builder.ImageBuilder.push_image`` options); return its SeededImage."""
        return self._builder.push_image(repo, tag, **options)

    def layer(self, label, payload_bytes=0, seed='stand'):  # pylint: disable=redefined-outer-name
        """A layer spec shareable between ``push_image(..., base_layers=(spec,))`` calls."""
        return self._builder.layer(label, payload_bytes, seed)

    def push_fleet(self, count, total_bytes, **options):
        """Push ``count`` images sharing base layers, about ``total_bytes`` in all (see ``ImageBuilder.push_fleet``)."""
        return self._builder.push_fleet(count, total_bytes, **options)

    # -- switches ------------------------------------------------------------------------------------------------

    def set_rate_limit(self, count=None, retry_after=1):
        """Answer the next ``count`` /v2 requests with 429 and ``Retry-After`` (None: all; 0: off)."""
        self.switches.set_rate_limit(count, retry_after)

    def set_manifest_delay(self, seconds):
        """Hold every manifest GET at the front for ``seconds`` (0: off)."""
        self.switches.set_manifest_delay(seconds)

    def set_token_lifetime(self, seconds):
        """``expires_in`` (and real expiry at the front) of tokens issued from now on."""
        self.switches.set_token_lifetime(seconds)

    def restore_defaults(self):
        """Undo what a previous test may have left: upstream stopped, switches set (the cache is kept)."""
        if not self.upstream_running:
            self.start_upstream()
        self.set_rate_limit(count=0)
        self.set_manifest_delay(0)
        self.set_token_lifetime(self.token_lifetime)

    # -- observation ---------------------------------------------------------------------------------------------

    def front_log_mark(self):
        """Offset to pass to ``front_log(since=...)`` to see only later requests."""
        return accesslog.mark(self.access_log_path)

    def front_log(self, since=0):
        """Parsed front access log entries (``accesslog.AccessEntry``)."""
        ports = {f'127.0.0.1:{proc.port}': name for name, proc in self._procs.items()}
        ports[f'127.0.0.1:{self._services.port}'] = 'services'
        return accesslog.read(self.access_log_path, ports, since)

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

    def oracle_pull(self, base_url, reference, platform, creds=None, stop_upstream=True):
        """skopeo-copy ``reference`` for ``platform`` from ``base_url``; stops upstream first unless told not to.

        ``creds``: None (anonymous), ``'robot'`` or ``(user, password)``.
        """
        if stop_upstream and self.upstream_running:
            self.stop_upstream()
        if creds == 'robot':
            creds = self.robot_creds
        return oracle.pull(base_url, reference, platform, creds=creds, ca_dir=self.ca_dir, workdir=os.path.join(self.workdir, 'tmp'))

    def describe(self):
        """Everything a shell user needs, JSON-able (the content of stand.json)."""
        return {
            'workdir': self.workdir, 'upstream_url': self.upstream_url, 'proxy_url': self.proxy_url,
            'front_url': self.front_url, 'front_https_url': self.front_https_url, 'ca_path': self.ca_path, 'ca_dir': self.ca_dir,
            'public_project': self.public_project, 'private_project': self.private_project,
            'robot_user': self.robot_user, 'robot_password': self.robot_password,
            'upstream_storage_dir': self.upstream_storage_dir, 'proxy_storage_dir': self.proxy_storage_dir,
            'access_log': self.access_log_path, 'control_url': self.control_url, 'logs': self.log_paths(),
            'startup_seconds': self.startup_seconds, 'switches': self.switches.state(),
            'images': {key: image.to_dict() for key, image in self.images.items()},
        }

    def write_description(self, path):
        """Write ``describe()`` as JSON to ``path``."""
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump(self.describe(), handle, indent=2)
            handle.write('\n')
