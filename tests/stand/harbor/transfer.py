# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The image transfer of one task (11.3 step 3; ``src/controller/replication/transfer/image/transfer.go``).

For each reference (a tag, or the digest of an untagged artifact): GET the manifest from the source; HEAD the
destination by the same reference; the same digest there: skip; another digest and ``override`` false: skip, the
task still succeeds; else copy what the manifest references (child manifests by digest first, recursively, with
override; blobs not at the destination, retried 5 times; Docker foreign layers skipped), then PUT the manifest by
the reference. A failing reference is logged and the others still run; the task then fails. A failing child stops
its index. The digest compared is the source's ``Docker-Content-Digest`` header, as Harbor's registry client takes it
(empty for a manifest Harbor proxies by tag, 2.2). Log lines are Harbor's, with its callers.
"""

from .endpoints import CopyError
from .manifests import IMAGE_TYPES, ParseError, Parsed
from .trim import LIST_TYPES

_FILE = '/controller/replication/transfer/image/transfer.go'
_SCHEMA1 = ('application/vnd.docker.distribution.manifest.v1+prettyjws', 'application/vnd.docker.distribution.manifest.v1+json')
_MANIFEST_TYPES = LIST_TYPES + IMAGE_TYPES + _SCHEMA1
FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'


def go_duration(seconds):
    """Go's ``time.Duration.String`` for the waits the log names (``2s``, ``250ms``)."""
    if seconds >= 1:
        return f'{seconds:g}s'
    return f'{seconds * 1000:g}ms'


class Transfer:
    """One run of a task: ``copy(...)`` or ``delete(...)``; True when it succeeded."""

    def __init__(self, task, source, target, jobs, timing):  # pylint: disable=too-many-arguments
        self.task = task
        self.source = source
        self.target = target
        self.jobs = jobs
        self.timing = timing

    def _log(self, level, line, message):
        self.task.write(level, f'{_FILE}:{line}', message)

    def initialize(self, source_url, target_type, target_url):
        """The clients' lines (``initialize``)."""
        self._log('INFO', 140, f'client for source registry [type: harbor, URL: {source_url}, insecure: true] created')
        self._log('INFO', 150, f'client for destination registry [type: {target_type}, URL: {target_url}, insecure: false] created')

    # -- copy ----------------------------------------------------------------------------------------------------

    def copy(self, src_repo, references, dst_repo, override):
        """``copy``: every reference, the errors logged, the task failed if any."""
        joined = ','.join(references)
        self._log('INFO', 183, f'copying {src_repo}:[{joined}](source registry) to {dst_repo}:[{joined}](destination registry)...')
        failed = False
        for reference in references:
            try:
                self._artifact(src_repo, reference, dst_repo, reference, override)
            except CopyError as exc:
                self._log('ERROR', 195, str(exc))
                failed = True
        if failed:
            self._log('ERROR', 201, 'got error during the whole transfer period, mark the job failure')
            return False
        self._log('INFO', 205, f'copy {src_repo}:[{joined}](source registry) to {dst_repo}:[{joined}](destination registry) completed')
        return True

    def _artifact(self, src_repo, src_ref, dst_repo, dst_ref, override):  # pylint: disable=too-many-arguments
        self._log('INFO', 211, f'copying {src_repo}:{src_ref}(source registry) to {dst_repo}:{dst_ref}(destination registry)...')
        payload, parsed, digest = self._pull(src_repo, src_ref)
        try:
            exists, existing = self.target.manifest_exists(dst_repo, dst_ref)
        except CopyError as exc:
            self._log('ERROR', 479, f'failed to check the existence of the manifest of artifact {dst_repo}:{dst_ref} '
                      f'on the destination registry: {exc}')
            raise
        if exists:
            if digest == existing:
                self._log('INFO', 227, f'the artifact {dst_repo}:{dst_ref} already exists on the destination registry, skip')
                return
            if not override:
                self._log('WARNING', 233, f'the same name artifact {dst_repo}:{dst_ref} exists on the destination registry, '
                          'but the "override" is set to false, skip')
                return
            self._log('WARNING', 238, f'the same name artifact {dst_repo}:{dst_ref} exists on the destination registry '
                      'and the "override" is set to true, continue...')
        for descriptor in _references(parsed):
            self._content(descriptor, src_repo, dst_repo)
        self._push(dst_repo, dst_ref, parsed.media_type, payload)
        self._log('INFO', 254, f'copy {src_repo}:{src_ref}(source registry) to {dst_repo}:{dst_ref}(destination registry) completed')

    def _pull(self, repository, reference):
        self.jobs.check()
        self._log('INFO', 465, f'pulling the manifest of artifact {repository}:{reference} ...')
        try:
            payload, content_type, digest = self.source.manifest(repository, reference)
            parsed = Parsed(content_type, payload)
        except (CopyError, ParseError) as exc:
            self._log('ERROR', 468, f'failed to pull the manifest of artifact {repository}:{reference}: {exc}')
            raise CopyError(str(exc)) from exc
        self._log('INFO', 471, f'the manifest of artifact {repository}:{reference} pulled')
        return payload, parsed, digest

    def _push(self, repository, reference, media_type, payload):
        self.jobs.check()
        self._log('INFO', 494, f'pushing the manifest of artifact {repository}:{reference} ...')
        try:
            self.target.push_manifest(repository, reference, media_type, payload)
        except CopyError as exc:
            self._log('ERROR', 502, f'failed to push manifest of artifact {repository}:{reference}: {exc}')
            raise
        self._log('INFO', 506, f'the manifest of artifact {repository}:{reference} pushed')

    def _content(self, descriptor, src_repo, dst_repo):
        digest, media_type = descriptor.get('digest', ''), descriptor.get('mediaType', '')
        if media_type in _MANIFEST_TYPES:
            self._artifact(src_repo, digest, dst_repo, digest, True)  # by digest: override is true
        elif media_type == FOREIGN_LAYER:
            self._log('INFO', 272, f'the layer {digest} is a foreign layer, skip')
        else:
            self._blob_with_retry(src_repo, dst_repo, digest)

    def _blob_with_retry(self, src_repo, dst_repo, digest):
        backoff = self.timing.replication_retry
        for attempt in range(1, self.timing.blob_copy_retries + 1):
            self._log('INFO', 290, f'copying the blob {digest}(the {attempt}th running)...')
            try:
                self._blob(src_repo, dst_repo, digest)
                self._log('INFO', 292, f'copy the blob {digest} completed')
                return
            except CopyError:
                if attempt == self.timing.blob_copy_retries:
                    raise
            self._log('INFO', 298, f'will retry {go_duration(backoff)} later')
            self.jobs.sleep(backoff)
            backoff *= 2

    def _blob(self, src_repo, dst_repo, digest):
        self.jobs.check()
        try:
            exists = self.target.blob_exists(dst_repo, digest)
        except CopyError as exc:
            self._log('ERROR', 336, f'failed to check the existence of blob {digest} on the destination registry: {exc}')
            raise
        if exists:
            self._log('INFO', 340, f'the blob {digest} already exists on the destination registry, skip')
            return
        try:
            size, chunks = self.source.blob(src_repo, digest)
        except CopyError as exc:
            self._log('ERROR', 380, f'failed to pulling the blob {digest}: {exc}')
            raise
        try:
            self.target.push_blob(dst_repo, digest, size, chunks)
        except CopyError as exc:
            self._log('ERROR', 396, f'failed to pushing the blob {digest}, size {size}: {exc}')
            raise
        finally:
            if hasattr(chunks, 'close'):
                chunks.close()

    # -- deletion ------------------------------------------------------------------------------------------------

    def delete(self, repository, references):
        """``delete``: each reference that exists at the destination is deleted there (a tag through its digest)."""
        for reference in references:
            try:
                exists, _digest = self.target.manifest_exists(repository, reference)
            except CopyError as exc:
                self._log('ERROR', 520, f'failed to check the existence of the manifest of artifact {repository}:{reference} '
                          f'on the destination registry: {exc}')
                return False
            if not exists:
                self._log('INFO', 525, f"the artifact {repository}:{reference} doesn't exist on the destination registry, skip")
                continue
            try:
                self.target.delete_manifest(repository, reference)
            except CopyError as exc:
                self._log('ERROR', 530, f'failed to delete the manifest of artifact {repository}:{reference} '
                          f'on the destination registry: {exc}')
                return False
            self._log('INFO', 534, f'the manifest of artifact {repository}:{reference} is deleted')
        return True


def _references(parsed):
    """``manifest.References()``: an index's manifests; an image's config, then its layers."""
    if parsed.is_list:
        return parsed.children
    return [parsed.document.get('config') or {}] + list(parsed.document.get('layers') or [])
