# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HarborProxyCachePopulator's example rule and the references the rule tests use."""

from __future__ import annotations

POPULATOR_REGEX = r'^.*amazonaws.com/(proxy_[^:/]+)/([^:]+):(.+$)'
POPULATOR_OCI = 'https://harbor.registry.mine.io/v2/$1/$2/manifests/$3'
POPULATOR_ARCH = 'https://harbor.registry.mine.io/v2/$1/$2/manifests/ARCHDIGEST'
HARBOR = 'https://harbor.registry.mine.io/v2/'
ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/'
HEX = 'a' * 64
DIGEST = 'sha256:' + HEX
NAMED = r'^(?P<host>[^/]+)/(?P<project>proxy_[a-z]+)/(?P<repo>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>.+))?$'
NAMED_OCI = 'https://h.io/v2/${project}/${repo}/manifests/$tag$digest'
