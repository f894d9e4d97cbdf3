# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's settings: addresses, projects, the robot accounts, the registry endpoints and replication policies
it starts with, the release whose store rules it follows, and Harbor's timers (docs/harbor.md cites each)."""

import dataclasses
import json

# The releases whose rules the emulator can follow: '2.14' (v2.14.0 and later, HEAD: 11.1's store rules), '2.15.0'
# (v2.14.0 - v2.14.4 and v2.15.0: the same, and a manifest request by tag that upstream answers 404 deletes the local
# artifact, 10.1 item 10), '2.13' (v2.9.2, v2.10.1, v2.11 - v2.13), '2.9.1' (and earlier).
VERSIONS = ('2.14', '2.15.0', '2.13', '2.9.1')
# 11.4: what a system-level robot needs to start replications and to use temporary narrow policies.
REPLICATOR_PERMISSIONS = ('replication-policy:list', 'replication-policy:read', 'replication-policy:create',
                          'replication-policy:delete', 'replication:create', 'replication:read', 'replication:list')


@dataclasses.dataclass(frozen=True)
class Project:
    """A proxy-cache project. ``registry_type`` ``docker-hub`` turns on the ``library/`` redirect (8.1)."""

    name: str
    public: bool
    project_id: int
    registry_type: str = 'docker-hub'
    local_on_not_found: bool = False
    retention_days: int = 7  # the tag-retention rule a new proxy project gets (11.7); 0: none


@dataclasses.dataclass(frozen=True)
class Registry:
    """A registry endpoint (``GET /api/v2.0/registries``, a policy's ``dest_registry``): the application registry."""

    registry_id: int
    name: str
    url: str
    user: str
    password: str
    ca_path: str = ''
    registry_type: str = 'docker-registry'


@dataclasses.dataclass(frozen=True)
class Timing:  # pylint: disable=too-many-instance-attributes
    """Harbor's loop counts and intervals; ``interval`` scales every sleep (Harbor: 20 s) unless set on its own."""

    interval: float = 20.0              # manifestcache.go sleepIntervalSec
    manifest_wait: int = 10             # maxManifestWait
    list_wait: int = 20                 # maxManifestListWait
    ensure_tag_interval: float = 10.0   # controller.go ensureTagInterval
    ensure_tag_retries: int = 60        # ensureTagMaxRetry
    list_cache_ttl: float = 7 * 86400   # manifestListCacheInterval
    health_interval: float = 300.0      # regularHealthCheckInterval
    token_leeway: float = 60.0          # common.JwtLeeway
    token_lifetime: int = 1800          # token_expiration, 30 min
    replication_delay: float = 1.0      # the jobservice queue before an execution runs (not a Harbor constant)
    replication_retry: float = 2.0      # transfer.go: a failed blob copy waits 2 s, doubling; a failed job waits too
    replication_max_fails: int = 3      # jobservice/job/impl/replication/replication.go MaxFails
    blob_copy_retries: int = 5          # transfer.go COPY_BLOB_RETRY_COUNT default

    @classmethod
    def scaled(cls, interval, **overrides):
        """Harbor's ratios at another interval: EnsureTag ticks at half of it, the replication queue waits 1/20 of it
        and retries after 1/10 of it; the other timers stay."""
        values = {'interval': float(interval), 'ensure_tag_interval': float(interval) / 2,
                  'replication_delay': float(interval) / 20, 'replication_retry': float(interval) / 10}
        values.update(overrides)
        return cls(**values)


@dataclasses.dataclass(frozen=True)
class Settings:  # pylint: disable=too-many-instance-attributes
    """Everything ``python -m ...stand.harbor --config FILE`` reads from FILE (JSON)."""

    http_port: int
    https_port: int
    cert_path: str
    key_path: str
    upstream_url: str
    local_url: str
    local_storage: str
    control_port: int
    access_log: str
    robot_user: str
    robot_password: str
    projects: tuple
    timing: Timing = Timing()
    harbor_version: str = 'v2.15.2-c50c7ddd'
    version: str = '2.14'                   # whose 11.1 store rules (VERSIONS)
    replicator_user: str = 'robot$replicator'
    replicator_password: str = ''           # '' : no system-level robot
    replicator_permissions: tuple = REPLICATOR_PERMISSIONS
    registries: tuple = ()                  # Registry endpoints
    policies: tuple = ()                    # replication policies Harbor starts with, as the API's POST bodies

    def to_json(self):
        """The JSON the emulator process is started with."""
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_json(cls, text):
        """Parse what ``to_json`` wrote."""
        raw = json.loads(text)
        raw['projects'] = tuple(Project(**project) for project in raw['projects'])
        raw['timing'] = Timing(**raw['timing'])
        raw['registries'] = tuple(Registry(**registry) for registry in raw.get('registries', ()))
        raw['policies'] = tuple(raw.get('policies', ()))
        raw['replicator_permissions'] = tuple(raw.get('replicator_permissions', REPLICATOR_PERMISSIONS))
        return cls(**raw)

    def project(self, name):
        """The Project called ``name``, or None."""
        return next((project for project in self.projects if project.name == name), None)

    def registry(self, registry_id):
        """The Registry endpoint with this id, or None."""
        return next((registry for registry in self.registries if registry.registry_id == registry_id), None)
