# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's settings: addresses, projects, the robot account and Harbor's timers (docs/harbor.md cites each)."""

import dataclasses
import json


@dataclasses.dataclass(frozen=True)
class Project:
    """A proxy-cache project. ``registry_type`` ``docker-hub`` turns on the ``library/`` redirect (8.1)."""

    name: str
    public: bool
    project_id: int
    registry_type: str = 'docker-hub'
    local_on_not_found: bool = False


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

    @classmethod
    def scaled(cls, interval, **overrides):
        """Harbor's ratios at another interval: EnsureTag ticks at half of it; the other timers stay."""
        values = {'interval': float(interval), 'ensure_tag_interval': float(interval) / 2}
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

    def to_json(self):
        """The JSON the emulator process is started with."""
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_json(cls, text):
        """Parse what ``to_json`` wrote."""
        raw = json.loads(text)
        raw['projects'] = tuple(Project(**project) for project in raw['projects'])
        raw['timing'] = Timing(**raw['timing'])
        return cls(**raw)

    def project(self, name):
        """The Project called ``name``, or None."""
        return next((project for project in self.projects if project.name == name), None)
