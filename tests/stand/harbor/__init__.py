# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An emulation of Harbor's proxy cache, written from docs/harbor.md (Harbor c50c7dd, release v2.15.2).

It plays Harbor core: token service, /v2 proxy-cache middlewares, background store jobs, the REST API. Its
"database" (artifacts, tags, blob rows, the redis list cache) is held in memory; Harbor's internal registry is a
real, writable ``docker-registry`` it talks to directly, and upstream is another one. See ../README.md.
"""
