# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator assembled: Harbor's listeners (HTTP, HTTPS) and the stand's control listener.

Control (``127.0.0.1:<control_port>``, JSON bodies): ``GET /harbor/state`` (``/harbor/blob_rows``: its global blob
rows alone); ``POST /harbor/<action>`` with
``quiesce {timeout}``, ``fail_store {count}``, ``upstream {mode, delay}``, ``rate_limit {count, retry_after}``,
``manifest_delay {seconds}``, ``token_lifetime {seconds}``, ``reset``, ``health_check``, and for replication
``version {version}``, ``delete_artifact {repository, reference}``, ``replication_policy {policy, policy_id}``,
``replication_start {policy_id}``, ``replication_reset {executions}``, ``listen {on}``, ``retention_access {robot}``.
"""

import dataclasses
import http.server
import json
import logging
import os
import threading
import time
import urllib.parse

from ..switches import Switches
from . import api, auth, clients, core, db, events, faults, jobs, policies, proxycache, replication, replication_api, server

LOG = logging.getLogger('harbor')


def linked_blobs(storage_root):
    """{repository: [digest]} that L links, read from its storage tree."""
    base = os.path.join(storage_root, 'docker', 'registry', 'v2', 'repositories')
    found = {}
    for directory, dirs, _files in os.walk(base):
        if os.path.basename(directory) == '_layers':
            repo = os.path.relpath(os.path.dirname(directory), base)
            digests = []
            for algorithm in os.listdir(directory):
                for hexdigest in os.listdir(os.path.join(directory, algorithm)):
                    if os.path.isfile(os.path.join(directory, algorithm, hexdigest, 'link')):
                        digests.append(f'{algorithm}:{hexdigest}')
            found[repo] = digests
            dirs[:] = []
        elif os.path.basename(directory) in ('_manifests', '_uploads'):
            dirs[:] = []
    return found


class Emulator:  # pylint: disable=too-many-instance-attributes
    """``Emulator(settings).start()``; everything runs in daemon threads."""

    def __init__(self, settings):
        self.settings = settings
        self.database = db.Database()
        self.faults = faults.Faults()
        self.jobs = jobs.Jobs()
        self.events = events.Events(self.jobs)
        self.core = core.Core(settings, self.database, self.events)
        self.switches = Switches(settings.timing.token_lifetime)
        self.tokens = auth.TokenService(settings, settings.timing.token_lifetime)
        self.cache = proxycache.ProxyCache(settings, self.database, clients.Upstream(settings.upstream_url, self.faults),
                                           clients.Local(settings.local_url), self.jobs, self.faults, self.core)
        self.replication = replication.Replication(settings, self.database, self.cache, self.jobs)
        self.events.subscribe(self.replication.handle_event)
        self.api = api.Api(settings, self.database, time.time(), self.core, replication_api.ReplicationApi(settings, self.replication))
        self.front = server.Front(settings, self.tokens, self.cache, self.api, self.switches, server.AccessLog(settings.access_log))
        self._servers = []
        self._control = None

    def start(self):
        """Listen on the HTTP, HTTPS and control ports."""
        self.cache.start_health_loop()
        self._listen(True)
        self._control = self._control_server()

    def _listen(self, on=True):
        """Open (or close: connections refused, as of a Harbor that is down) Harbor's HTTP and HTTPS listeners; the
        database, the jobs and the control port live on."""
        if on and not self._servers:
            self._servers = [server.serve(self.front, '127.0.0.1', self.settings.http_port),
                             server.serve(self.front, '127.0.0.1', self.settings.https_port,
                                          (self.settings.cert_path, self.settings.key_path))]
        elif not on:
            for listener in self._servers:
                listener.shutdown()
                listener.server_close()
            self._servers = []
        return {'listening': bool(self._servers)}

    def state(self):
        """The emulated database, with the blobs L links per repository."""
        document = self.database.state(linked_blobs(self.settings.local_storage))
        document.update(pending_jobs=self.jobs.pending, upstream_healthy=self.cache.healthy, faults=self.faults.state(),
                        switches=self.switches.state(), timing=dataclasses.asdict(self.settings.timing),
                        version=self.core.version, harbor_version=self.core.harbor_version, listening=bool(self._servers),
                        events=self.events.recent(), replication=self.replication.state())
        return document

    def control(self, action, arguments):
        """Run one control action: (status, JSON-able body)."""
        actions = {
            'quiesce': lambda timeout=600: {'quiet': self.jobs.quiesce(float(timeout)), 'pending_jobs': self.jobs.pending},
            'fail_store': self.faults.fail_store,
            'upstream': self.faults.set_upstream,
            'rate_limit': self.switches.set_rate_limit,
            'manifest_delay': self.switches.set_manifest_delay,
            'token_lifetime': self._token_lifetime,
            'reset': self._reset,
            'health_check': lambda: {'healthy': self.cache.check_health()},
            'version': self.core.set_version,
            'delete_artifact': self._delete_artifact,
            'replication_policy': self._replication_policy,
            'replication_start': lambda policy_id: self.replication.start(self.replication.policy(policy_id), None, 'manual'),
            'replication_reset': self._replication_reset,
            'listen': self._listen,
            'retention_access': self.api.set_retention_access,
        }
        if action not in actions:
            return 404, {'error': f'unknown action {action!r}', 'actions': sorted(actions) + ['state']}
        try:
            return 200, {'result': actions[action](**arguments)}
        except (TypeError, ValueError) as exc:
            return 400, {'error': str(exc)}
        except policies.PolicyError as exc:
            return 400, {'error': f'{exc.status} {exc.code}: {exc.message}', 'status': exc.status}

    def _delete_artifact(self, repository, reference):
        """An artifact deleted through the API, as retention does (11.7): DELETE_ARTIFACT follows."""
        status, detail = self.core.delete(repository, reference)
        if status != 200:
            raise ValueError(f'{status}: {detail}')
        return detail

    def _replication_policy(self, policy, policy_id=None):
        """Create (no ``policy_id``) or replace a policy from an API body, as the admin; its id."""
        if policy_id is None:
            return self.replication.create_policy(policy, 'admin')
        self.replication.update_policy(int(policy_id), policy)
        return int(policy_id)

    def _replication_reset(self, executions=False):
        """The policies Harbor started with (untouched when they are unchanged), and no executions if asked."""
        self.replication.restore_policies()
        if executions:
            self.replication.records.clear()
        return {'policies': [policy.policy_id for policy in self.replication.policies()]}

    def _token_lifetime(self, seconds):
        self.switches.set_token_lifetime(seconds)
        self.tokens.lifetime = int(seconds)

    def _reset(self):
        """Cancel the jobs and forget the database (the stand wipes L's storage around this)."""
        quiet = self.jobs.reset()
        self.database.clear()
        self.events.clear()
        self.replication.records.clear()
        return {'quiet': quiet}

    def _control_server(self):
        emulator = self

        class Handler(http.server.BaseHTTPRequestHandler):
            """JSON in, JSON out."""

            protocol_version = 'HTTP/1.1'

            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                LOG.info('control: ' + format, *args)

            def _send(self, status, body):
                data = json.dumps(body, indent=1).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # pylint: disable=invalid-name
                """``/harbor/state``, ``/harbor/blob_rows``."""
                path = urllib.parse.urlsplit(self.path).path
                if path == '/harbor/state':
                    self._send(200, emulator.state())
                elif path == '/harbor/blob_rows':  # the cheap part of the state, for polling
                    self._send(200, emulator.database.state({})['blob_rows'])
                else:
                    self._send(404, {'error': 'GET /harbor/state or /harbor/blob_rows, or POST /harbor/<action>'})

            def do_POST(self):  # pylint: disable=invalid-name
                """``/harbor/<action>``."""
                length = int(self.headers.get('Content-Length') or 0)
                try:
                    arguments = json.loads(self.rfile.read(length) or b'{}')
                except ValueError:
                    arguments = None
                path = urllib.parse.urlsplit(self.path).path
                if not isinstance(arguments, dict) or not path.startswith('/harbor/'):
                    self._send(400, {'error': 'POST /harbor/<action> with a JSON object'})
                    return
                self._send(*emulator.control(path[len('/harbor/'):], arguments))

        control = http.server.ThreadingHTTPServer(('127.0.0.1', self.settings.control_port), Handler)
        control.daemon_threads = True
        threading.Thread(target=control.serve_forever, args=(0.2,), name='control', daemon=True).start()
        return control
