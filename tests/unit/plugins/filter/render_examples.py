# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rendered releases (fixtures/) and the images container_images finds in each: the filter's unit tests and its
end-to-end test through ansible read the same."""

from __future__ import annotations

import os

# Renders are kept verbatim as .txt: multi-document and deliberately broken YAML is not for yamllint.
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures')

DIGEST_API = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'

EXPECTED = {
    'helm_template.txt': {
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com/proxy_hub/library/alpine:3.16',
        'busybox',
        'docker.io/bitnami/kubectl@sha256:3b3f0c1b4a2e5d6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f',
        'docker.io/bitnami/redis-exporter:1.66.0-debian-12-r0',
        'docker.io/bitnami/redis:7.4.1-debian-12-r0',
        'docker.io/envoyproxy/envoy:v1.31.2',
        'registry.local:5000/team/app:1.2',
        'registry.local:5000/team/shop-migrations:1.4.2',
    },
    'kustomize_build.txt': {
        'registry.local:5000/payments/api@' + DIGEST_API,
        'gcr.io/cloudsql-docker/gce-proxy:1.37.2',
        'ghcr.io/example/wait-for:v2',
        'quay.io/example/payments-legacy:0.9.1',
        'quay.io/example/payments-batch:0.3.0',
        'docker.io/nicolaka/netshoot:v0.13',
    },
    'list_kinds.txt': {
        'nginx:1.27.2',
        'busybox:1.36',
        'ghcr.io/example/worker:2.0.0',
        'ghcr.io/example/scheduler:2.0.0',
    },
    'custom_resources.txt': {
        'registry.local:5000/team/checkout:3.1.0',
        'gcr.io/knative-samples/helloworld-go@sha256:5ea96ba4b872685ff4ddb5cd8d1a97ec18c18fae79ee8df0d29f446c5efe5f50',
        'docker.io/library/busybox:1.36.1',
        'docker.elastic.co/elasticsearch/elasticsearch:8.15.0-ubi',
        'quay.io/prometheuscommunity/elasticsearch-exporter:v1.8.0',
    },
    'empty_null_comments.txt': {
        'docker.io/library/nginx:1.27-alpine',
    },
    'anchors_duplicate_keys.txt': {
        # Duplicate "image" key: PyYAML keeps the last value.
        'registry.local:5000/team/anchored:1.1',
        'docker.io/library/python:3.12-slim',
        'docker.io/library/python:3.12-slim-debug',
    },
}
