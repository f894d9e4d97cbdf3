# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""What Harbor has committed, from its artifacts API: its own database, never upstream (docs/harbor.md 6.1).

An artifact exists there only once Harbor's store job has pushed it to its registry, so this is what a
node can pull with upstream down: a tag that resolves, a platform manifest, an index and the children
it kept. Nothing here makes Harbor fetch or store anything.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import INDEX_TYPES
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import Platform, normalize
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry, RegistryError, Tally


class Artifact:
    """One committed artifact: its local digest, its tags, the children an index kept, an image's platform."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.digest: str | None = document.get('digest')
        self.media_type: str = document.get('manifest_media_type') or ''
        self.tags: list[str | None] = [tag.get('name') for tag in document.get('tags') or [] if isinstance(tag, dict)]
        references = [ref for ref in document.get('references') or [] if isinstance(ref, dict)]
        self.children: list[str | None] = [ref.get('child_digest') for ref in references]
        self.child_platforms: list[tuple[str | None, dict[str, Any]]] = [
            (ref.get('child_digest'), ref['platform']) for ref in references if isinstance(ref.get('platform'), dict)]
        extra = document.get('extra_attrs') or {}
        # Harbor copies an image config's os and architecture (not the variant) into extra_attrs.
        self.platform: Platform | None = normalize(extra.get('os'), extra.get('architecture'), extra.get('variant')) \
            if extra.get('os') and extra.get('architecture') else None

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES or bool(self.children)


def artifact_url(repo: Repository, reference: str) -> str:
    """The artifact's API URL; the repository without its project, URL-encoded twice (docs/harbor.md 6.1)."""
    if '/' not in repo.name:
        raise RegistryError('repository "%s" on Harbor %s has no project: a Harbor proxy cache is a project, so the rule '
                            'should map to <project>/<repository>' % (repo.name, repo.base))
    project, name = repo.name.split('/', 1)
    return '%s/api/v2.0/projects/%s/repositories/%s/artifacts/%s?with_tag=true' % (
        repo.base, quote(project, safe=''), quote(quote(name, safe=''), safe=''), quote(reference, safe=''))


def artifact(registry: Registry, repo: Repository, reference: str, tally: Tally | None = None) -> Artifact | None:
    """The Artifact that ``reference`` (a tag or a digest) names in ``repo`` on Harbor, or None."""
    document = registry.api_json(artifact_url(repo, reference),
                                 'artifact %s%s%s' % (repo.name, '@' if ':' in reference else ':', reference), tally)
    return Artifact(document) if isinstance(document, dict) else None
