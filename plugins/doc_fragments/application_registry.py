# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judging the image's own reference where the Pods pull it: the application registry Harbor replicates to."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r'''
options:
  application_registry:
    description:
      - The registry the Pods pull from (for example ECR), which Harbor's replication fills from the proxy-cache
        project. With O(application_registry.verify), each warmed image's own reference (as given in O(images), by
        tag) is looked up there after the warm (and after O(wait_for_commit)), and every selected platform is judged
        by its manifest digest, never by the index digest, which Harbor rewrites.
      - Only GET and HEAD requests are sent there, in check mode too. Nothing is sent for a reference that names
        Docker Hub, or the cache itself.
      - The result's RV(images[].application_registry) says whether the tag resolves there with every platform, and
        if not why (an untagged copy is goharbor/harbor#16058, event-based replication of a proxy-cache project);
        such an image gets a warning, and keeps the status of its warm.
    type: dict
    version_added: 1.1.0
    suboptions:
      verify:
        description:
          - Look for each image where its reference says (C(https://) and the reference's host, or its
            O(application_registry.endpoints) entry).
        type: bool
        default: false
      wait:
        description:
          - Seconds to keep looking (every 2 s) until every image is there by tag; 0 looks once.
          - Replication starts from what Harbor has committed, so give O(wait_for_commit) too.
        type: int
        default: 0
      username:
        description:
          - User for the application registry (for ECR V(AWS)). Falls back to E(PREWARM_APP_REGISTRY_USERNAME), then
            to the O(auth_file) entry for its host. The cache's O(username) is never sent there.
        type: str
      password:
        description:
          - Its password (for ECR the output of C(aws ecr get-login-password)). Falls back to
            E(PREWARM_APP_REGISTRY_PASSWORD). Never logged or returned.
        type: str
      deliver:
        description:
          - For the images not there by tag, start Harbor's replication after Harbor has committed them (needs
            O(wait_for_commit)), follow it to its end, and look again. Implies O(application_registry.verify).
          - Event-based replication of a proxy-cache project never carries the tag (goharbor/harbor#16058); a manual
            run after the commit copies by tag. At most one execution per policy per call (with V(narrow), one per directory of
            repositories), whatever the images.
          - A policy that is unknown, disabled or copies elsewhere fails the task before anything is warmed. In check
            mode nothing is started or created; each image says what would be delivered.
        type: bool
        default: false
      policy:
        description:
          - Name of the replication policy to run. Default, the enabled policy whose destination is the image's own
            registry and repository and whose filters take it.
        type: str
      scope:
        description:
          - V(narrow) runs a temporary copy of the policy whose name and tag filters take only this call's images,
            deleted after its run (needs replication-policy create and delete); V(policy) runs the policy itself, with
            everything it takes (slower, and it reads its whole scope through the proxy).
        type: str
        default: narrow
        choices: [narrow, policy]
      deadline:
        description: Seconds to wait for each execution to end; one still running then is reported, not delivered.
        type: int
        default: 600
      replication_username:
        description:
          - A Harbor system-level robot with C(replication-policy) list, read (create, delete for V(narrow)) and
            C(replication) create, read, list. Replication is system scope, so the pull robot cannot start it. Falls
            back to E(PREWARM_REPLICATION_USERNAME).
        type: str
      replication_password:
        description: Its secret. Falls back to E(PREWARM_REPLICATION_PASSWORD). Never logged or returned.
        type: str
      endpoints:
        description:
          - Where to reach a registry the references name, when not at C(https://<host>), as containerd's
            C(hosts.toml) does for nodes; a private endpoint, a tunnel, or a test registry standing in for ECR.
          - Keys are hosts as the references write them, values base URLs (scheme and host, no path). Results and
            messages still name the reference as written. The credentials are the auth file's entry for the host
            the request goes to, unless O(application_registry.username) is given.
          - With O(application_registry.deliver), a policy may name its destination either way.
        type: dict
        default: {}
        version_added: 1.1.0
'''
