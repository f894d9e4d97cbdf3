# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""How the client reaches the caches: one frozen record, which also keys the clients a worker reuses."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Connection:
    """TLS, timeouts, retries, connections per host, and whose credentials (the password never shows in repr).

    Two calls with equal Connections may share one client: its connections, the cache's challenge and its tokens.
    """

    validate_certs: bool = True
    ca_path: str | None = None
    timeout: int = 60
    retries: int = 3
    pool_size: int = 4
    allow_plain_http_credentials: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    auth_file: str | None = None
    # The application registries' hosts and credentials: whose credentials go where is part of a client.
    app_hosts: tuple[str, ...] = ()
    app_username: str | None = None
    app_password: str | None = field(default=None, repr=False)
    # Likewise the upstream registries' (where referrers are listed).
    upstream_hosts: tuple[str, ...] = ()
    upstream_username: str | None = None
    upstream_password: str | None = field(default=None, repr=False)
