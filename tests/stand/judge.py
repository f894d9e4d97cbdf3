# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the emulated Harbor has committed, and what the application registry serves, as their clients see it: the
tests of the stand and the collection's agree."""

import calendar
import time


def offline(stand, reference, platform, creds=None):
    """(skopeo ok, containerd ok) pulling ``reference`` from Harbor with upstream stopped."""
    first = stand.oracle_pull(stand.harbor_url, reference, platform, creds=creds)
    second = stand.containerd_pull(stand.harbor_url, reference, platform, creds=creds)
    return first.ok, second.ok


def pushed_at(item):
    """push_time of an artifact as epoch seconds (the API's millisecond UTC format)."""
    return calendar.timegm(time.strptime(item['push_time'][:19], '%Y-%m-%dT%H:%M:%S')) + int(item['push_time'][20:23]) / 1000


def app_offline(stand, reference, platform, host=None):
    """(skopeo ok, containerd ok) pulling ``reference`` from the application registry, with its credentials, while
    upstream **and** Harbor are stopped: what the nodes get from it alone (Harbor stays stopped until
    ``stand.start_harbor()`` or the next ``restore_defaults()``). ``host``: the registry name the Pod's reference
    writes (an ECR host), the application registry standing in for it as a mirror."""
    first = stand.oracle_pull(stand.app_registry_url, reference, platform, creds='app', stop_harbor=True, host=host)
    second = stand.containerd_pull(stand.app_registry_url, reference, platform, creds='app', stop_harbor=True, host=host)
    return first.ok, second.ok
