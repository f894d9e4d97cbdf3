# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Harbor-shaped front: nginx configuration and process (routing rules are in nginx.conf.tmpl)."""

import dataclasses
import json
import os
import shutil

from . import process

SYSTEMINFO = {'auth_mode': 'db_auth', 'harbor_version': 'v2.11.0-stand', 'has_ca_root': False, 'primary_auth_mode': False,
              'self_registration': False, 'banner_message': '', 'oidc_provider_name': ''}

# Every /v2 location: ask the gate first, answer 401 and 429 like Harbor, and replace the registry's challenge.
# (proxy_intercept_errors cannot replace the registry's 401 body too: nginx then keeps the upstream challenge as well.)
_GATE = '''\
            auth_request /_gate;
            auth_request_set $stand_gate_auth $upstream_http_x_stand_authorization;
            auth_request_set $stand_retry_after $upstream_http_x_stand_retry_after;
            error_page 401 = @stand_unauthorized;
            error_page 403 = @stand_too_many;
            proxy_hide_header WWW-Authenticate;
            add_header WWW-Authenticate $stand_challenge always;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Authorization $stand_forward_auth;
'''


@dataclasses.dataclass(frozen=True)
class Backends:
    """Ports nginx forwards to."""

    proxy: int
    local: int
    heads: int
    services: int


def _nginx_binary():
    for candidate in (shutil.which('nginx'), '/usr/sbin/nginx'):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise process.StandError('nginx not found (apt-get install nginx-light)')


def render_config(directory, logs, backends, tls, projects, http_port, https_port):
    """Return nginx.conf for these backends, TLS files and project names."""
    with open(os.path.join(os.path.dirname(__file__), 'nginx.conf.tmpl'), encoding='utf-8') as handle:
        template = handle.read()
    return template % {
        'user_line': 'user root;' if os.geteuid() == 0 else '',
        'dir': directory, 'logs': logs, 'gate': _GATE,
        'proxy_port': backends.proxy, 'local_port': backends.local, 'heads_port': backends.heads,
        'services_port': backends.services, 'http_port': http_port, 'https_port': https_port,
        'cert_path': tls.cert_path, 'key_path': tls.key_path,
        'systeminfo': json.dumps(SYSTEMINFO), 'projects': '|'.join(projects),
    }


def front_process(workdir, backends, tls, projects):
    """Write the nginx configuration; return the (not yet started) nginx process and its HTTPS port."""
    directory = os.path.join(workdir, 'front')
    logs = os.path.join(workdir, 'logs')
    for sub in ('body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'):
        os.makedirs(os.path.join(directory, 'tmp', sub), exist_ok=True)
    http_port, https_port = process.free_port(), process.free_port()
    config_path = os.path.join(directory, 'nginx.conf')
    with open(config_path, 'w', encoding='utf-8') as handle:
        handle.write(render_config(directory, logs, backends, tls, projects, http_port, https_port))
    argv = [_nginx_binary(), '-p', directory, '-c', config_path, '-e', os.path.join(logs, 'front-error.log'), '-g', 'daemon off;']
    proc = process.ManagedProcess('front', argv, os.path.join(logs, 'front.log'), f'http://127.0.0.1:{http_port}/api/v2.0/ping', http_port)
    return proc, https_port
