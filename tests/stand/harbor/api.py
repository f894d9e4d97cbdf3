# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's REST API for "what is cached" (docs/harbor.md 6): ping, systeminfo, a project, an artifact, a project's
tag-retention policy (11.7). Local state only. The replication API and the registry endpoints (11.4) are
``replication_api.py``'s.

Permission: public projects to everyone, the private one to the robot; a missing permission (and a project that does
not exist) is 401 for anonymous callers and 403 for others. ``repository_name`` must be URL-encoded twice. A
retention policy needs "tag-retention read" on its project (project admins and maintainers, or a robot given it:
``retention_access``), else 401/403 as above.
"""

import time
import urllib.parse

from . import accessories
from . import reply as replies
from .db import NEVER, timestamp

API = '/api/v2.0'


def _time(seconds):
    return timestamp(seconds) if seconds else NEVER


class Api:
    """Routes ``/api/v2.0/...`` GETs."""

    def __init__(self, settings, database, started, core, replication_api):  # pylint: disable=too-many-arguments
        self.settings = settings
        self.db = database
        self.started = started
        self.core = core
        self.replication_api = replication_api
        self.robot_reads_retention = False  # the robot holds "tag-retention read" on its projects (a switch)

    def handle(self, method, raw_path, query, identity, external_url, body=b''):  # pylint: disable=too-many-arguments
        """Answer one API request: a Reply."""
        path = raw_path[len(API):]
        if path == '/ping':
            return replies.Reply(200, [('Content-Type', 'text/plain; charset=utf-8')], b'Pong', 4)
        if self.replication_api.handles(path):
            return self.replication_api.handle(method, path, query, identity, body)
        if method != 'GET':
            return replies.error(405, 'METHOD_NOT_ALLOWED', 'method not allowed')
        if path == '/systeminfo':
            return replies.json_reply(self._systeminfo(identity, external_url))
        parts = path.split('/')
        # ['', 'projects', name] or ['', 'projects', name, 'repositories', repo, 'artifacts', ref]
        if len(parts) == 3 and parts[1] == 'projects':
            return self._guarded(identity, parts[2], lambda project: replies.json_reply(self._project(project)))
        if len(parts) == 3 and parts[1] == 'retentions':
            return self._retention(identity, parts[2])
        if len(parts) == 7 and parts[1] == 'projects' and parts[3] == 'repositories' and parts[5] == 'artifacts':
            with_tag = query.get('with_tag', ['true'])[0].lower() != 'false'
            with_accessory = query.get('with_accessory', ['false'])[0].lower() == 'true'
            return self._guarded(identity, parts[2], lambda project: self._artifact(project, parts[4], parts[6], with_tag, with_accessory))
        return replies.error(404, 'NOT_FOUND', f'no API route {path}')

    def _systeminfo(self, identity, external_url):
        info = {'auth_mode': 'db_auth', 'primary_auth_mode': False, 'self_registration': False, 'banner_message': '',
                'oidc_provider_name': ''}
        if identity.authenticated:
            info.update(harbor_version=self.core.harbor_version, external_url=external_url,
                        registry_url=external_url.split('://', 1)[-1], read_only=False, has_ca_root=False,
                        project_creation_restriction='everyone', registry_storage_provider_name='filesystem',
                        notification_enable=True, current_time=timestamp(time.time()))
        return info

    def _guarded(self, identity, raw_name, answer):
        project = self.settings.project(urllib.parse.unquote(raw_name))
        if project is None or 'pull' not in identity.actions(project):
            if identity.authenticated:
                return replies.error(403, 'FORBIDDEN', 'forbidden')
            return replies.error(401, 'UNAUTHORIZED', 'unauthorized')
        return answer(project)

    def _project(self, project):
        return {'project_id': project.project_id, 'name': project.name, 'registry_id': project.project_id,
                'owner_id': 1, 'owner_name': 'admin', 'creation_time': _time(self.started), 'update_time': _time(self.started),
                'deleted': False, 'repo_count': len(self._repositories(project)),
                'metadata': dict({'public': 'true' if project.public else 'false',
                                  'proxy_cache_local_on_not_found': 'true' if project.local_on_not_found else 'false'},
                                 **({'retention_id': str(project.project_id)} if project.retention_days else {}))}

    def set_retention_access(self, robot):
        """Whether the robot may read its projects' retention policies (Harbor: an access entry tag-retention:read)."""
        self.robot_reads_retention = bool(robot)

    def _retention(self, identity, raw_id):
        """``GET /retentions/{id}``: the policy a new proxy project gets (``project.go``: ``WithNDaysSinceLastPull(7)``,
        ``pkg/retention/policy/models.go``), with the project's days; one per project here, its id the project's."""
        project = next((item for item in self.settings.projects if str(item.project_id) == raw_id and item.retention_days), None)
        if project is None:
            return replies.error(404, 'NOT_FOUND', f'retention policy {raw_id} not found')
        if not (identity.kind == 'robot' and self.robot_reads_retention):
            if identity.authenticated:
                return replies.error(403, 'FORBIDDEN', 'forbidden')
            return replies.error(401, 'UNAUTHORIZED', 'unauthorized')
        selector = {'kind': 'doublestar', 'decoration': 'matches', 'pattern': '**'}
        return replies.json_reply({
            'id': project.project_id, 'algorithm': 'or',
            'rules': [{'id': 1, 'priority': 1, 'disabled': False, 'action': 'retain', 'template': 'nDaysSinceLastPull',
                       'params': {'nDaysSinceLastPull': project.retention_days}, 'tag_selectors': [selector],
                       'scope_selectors': {'repository': [dict(selector, decoration='repoMatches')]}}],
            'trigger': {'kind': 'Schedule', 'settings': {'cron': '0 0 0 * * *'}},
            'scope': {'level': 'project', 'ref': project.project_id}})

    def _repositories(self, project):
        return [repo for repo in self.db.state({})['repositories'] if repo.startswith(project.name + '/')]

    def _artifact(self, project, raw_repo, raw_reference, with_tag, with_accessory=False):  # pylint: disable=too-many-arguments
        once = urllib.parse.unquote(raw_repo)  # the router decodes once ...
        if '/' in once:  # ... so a single-encoded '/' would have split the path: no such route
            return replies.error(404, 'NOT_FOUND', 'repository name must be URL-encoded twice (library%252Fnginx)')
        repository = f'{project.name}/{urllib.parse.unquote(once)}'
        reference = urllib.parse.unquote(raw_reference)
        row = self.db.artifact(repository, reference)
        if row is None:
            return replies.error(404, 'NOT_FOUND', f'artifact {repository}:{reference} not found')
        document = {
            'id': row.artifact_id, 'type': 'IMAGE', 'media_type': row.config_media_type, 'manifest_media_type': row.media_type,
            'project_id': project.project_id, 'repository_name': repository, 'digest': row.digest, 'size': row.size,
            'push_time': _time(row.push_time), 'pull_time': _time(row.pull_time), 'icon': '', 'extra_attrs': row.extra_attrs,
        }
        if row.references:
            document['references'] = [dict(reference, parent_id=row.artifact_id) for reference in row.references]
        tags = self.db.tags_of(repository, row.digest) if with_tag else []
        if tags:
            document['tags'] = [{'artifact_id': row.artifact_id, 'name': name, 'push_time': _time(pushed), 'pull_time': NEVER,
                                 'immutable': False} for name, pushed in tags]
        if with_accessory:
            document['accessories'] = [_accessory(item) for item in self.db.accessories_of(repository, subject_id=row.artifact_id)]
        return replies.json_reply(document)


def _accessory(row):
    """One ``accessories`` entry (handler/model/accessory.go:ToSwagger; subject_artifact_id left out when 0)."""
    entry = {'id': row.accessory_id, 'artifact_id': row.artifact_id, 'subject_artifact_digest': row.subject_digest,
             'subject_artifact_repo': row.subject_repository, 'size': row.size, 'digest': row.digest, 'type': row.type,
             'icon': accessories.ICONS.get(row.type, ''), 'creation_time': timestamp(row.created)}
    if row.subject_id:
        entry['subject_artifact_id'] = row.subject_id
    return entry
