# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's proxy-cache controller: the manifest and blob decisions, and the background store jobs.

Section numbers are docs/harbor.md's. The order of every check, the loop counts and the sleep-first order are Harbor's;
only the timers are parameters (``config.Timing``).
"""

import contextlib
import hashlib
import logging
import threading

import requests

from . import accessories
from . import reply as replies
from .clients import UpstreamError
from .manifests import ParseError, Parsed
from .trim import trimmed_index

LOG = logging.getLogger('harbor')


def is_digest(reference):
    """Harbor's digest pattern (``algorithm:hex``)."""
    algorithm, sep, hexdigest = reference.partition(':')
    return bool(sep and algorithm and hexdigest)


def tag_of(reference):
    """The request's tag; '' for a request by digest (Harbor's artifact info)."""
    return '' if is_digest(reference) else reference


def digest_of(reference):
    """The request's digest; '' for a request by tag."""
    return reference if is_digest(reference) else ''


class ProxyCache:  # pylint: disable=too-many-instance-attributes
    """One per emulator; every method is called from request threads or job threads."""

    def __init__(self, settings, database, upstream, local, jobs, faults, core):  # pylint: disable=too-many-arguments
        self.settings = settings
        self.core = core  # the PUTs of a store go through core (11.1)
        self.timing = settings.timing
        self.db = database
        self.upstream = upstream
        self.local = local
        self.jobs = jobs
        self.faults = faults
        self.healthy = True
        self._health = threading.Event()
        self._caller = threading.local()

    @contextlib.contextmanager
    def replication_reads(self):
        """Requests of this thread are the replication service's (its user agent): no pull event, so no pull time
        (``src/server/registry/manifest.go``: "ignore ... pulling request from replication service")."""
        self._caller.replication = True
        try:
            yield
        finally:
            self._caller.replication = False

    # -- registry health (1.7) -----------------------------------------------------------------------------------

    def check_health(self):
        """``GET <upstream>/v2/``; the stored status changes only here."""
        try:
            self.upstream.request('GET', '/v2/').close()
            self.healthy = True
        except UpstreamError:
            self.healthy = False
        return self.healthy

    def start_health_loop(self):
        """Recheck every ``health_interval`` seconds in a daemon thread."""
        def loop():
            while not self._health.wait(self.timing.health_interval):
                self.check_health()
        threading.Thread(target=loop, name='health', daemon=True).start()

    # -- manifests (2.1, 3.1) ------------------------------------------------------------------------------------

    def manifest(self, method, project, repo, remote, ref, if_none_match=''):
        """GET or HEAD of ``/v2/<repo>/manifests/<ref>`` on a proxy project."""
        if not self.healthy:
            return self.local_manifest(method, repo, ref, if_none_match)
        helper = self.upstream.helper()  # built before the local lookup, but it contacts upstream only when used
        local = self.db.artifact(repo, ref)
        if local is not None and is_digest(ref):
            return self.local_manifest(method, repo, ref, if_none_match)
        try:
            digest, _type, _length = helper.head_manifest(remote, ref)
        except UpstreamError as exc:
            return self._upstream_failed(exc, method, project, repo, ref, local, if_none_match)
        cached = self.db.cached_list(repo, digest)
        if cached is not None:
            payload, content_type = cached
            headers = [('Content-Type', content_type), ('Docker-Content-Digest', digest), ('Etag', digest)]
            return replies.Reply(200, headers, payload, len(payload), 'redis')
        if local is not None and local.digest == digest:
            return self.local_manifest(method, repo, ref, if_none_match)
        if method == 'HEAD':
            return self._head_upstream(helper, project, repo, remote, ref, if_none_match)
        return self._get_upstream(helper, repo, remote, ref, if_none_match)

    def _upstream_failed(self, exc, method, project, repo, ref, local, if_none_match):
        """2.1 step 4-5 and 2.9: 429 and 404 reach the client unless local content may answer; the rest falls back."""
        if exc.code == 'TOO_MANY_REQUEST' and local is None:
            return replies.error(429, 'TOO_MANY_REQUEST', 'too many requests to upstream registry')
        if exc.code == 'NOT_FOUND' and not (local is not None and project.local_on_not_found):
            if local is not None and self.core.deletes_on_not_found:
                # v2.14.0 - v2.15.0 (10.1 item 10): as the 404 goes out, a goroutine DELETEs the tag's manifest by
                # digest in core's /v2, which deletes the artifact (``controller.go:UseLocalManifest``,
                # ``registry/manifest.go:deleteManifest``); a request by digest found locally never gets here
                self.jobs.spawn(f'delete {repo}@{local.digest}', self.core.delete, repo, local.digest)
            return replies.error(404, 'NOT_FOUND', f'resource not found: repo {repo}, tag {tag_of(ref)} not found')
        return self.local_manifest(method, repo, ref, if_none_match)

    def _head_upstream(self, helper, project, repo, remote, ref, if_none_match):
        """3.1: a second upstream HEAD answers; nothing is fetched or stored; EnsureTag is scheduled."""
        try:
            digest, content_type, length = helper.head_manifest(remote, ref)
        except UpstreamError as exc:
            if exc.code == 'NOT_FOUND':
                return replies.error(404, 'NOT_FOUND', f'the tag {repo}:{ref} is not found')
            return self._upstream_failed(exc, 'HEAD', project, repo, ref, None, if_none_match)
        self.jobs.spawn(f'ensure-tag {repo}:{tag_of(ref)}', self._ensure_tag, repo, digest, tag_of(ref))
        headers = [('Content-Type', content_type), ('Docker-Content-Digest', digest), ('Etag', digest)]
        return replies.Reply(200, headers, b'', int(length or 0), 'upstream', '200')

    def _get_upstream(self, helper, repo, remote, ref, if_none_match):
        """2.2: the upstream bytes as they came, the digest header only for a request by digest, a store job."""
        try:
            payload, content_type, digest = helper.get_manifest(remote, ref)
            parsed = Parsed(content_type, payload)
        except UpstreamError as exc:
            if exc.code == 'TOO_MANY_REQUEST':
                return replies.error(429, 'TOO_MANY_REQUEST', 'too many requests to upstream registry')
            if exc.code == 'NOT_FOUND':
                return replies.error(404, 'NOT_FOUND', f'resource not found: repo {repo}, tag {ref} not found')
            return self.local_manifest('GET', repo, ref, if_none_match)
        except ParseError as exc:
            LOG.warning('GET %s:%s: %s; falling back to local', repo, ref, exc)
            return self.local_manifest('GET', repo, ref, if_none_match)
        digest = digest or 'sha256:' + hashlib.sha256(payload).hexdigest()
        self.jobs.spawn(f'store {repo}:{ref}', self._store_manifest, helper, repo, remote, ref, digest, payload, parsed)
        echoed = digest_of(ref)
        # An empty media type (an OCI index without the field) leaves Go to sniff one.
        headers = [('Content-Type', parsed.media_type or 'text/plain; charset=utf-8'),
                   ('Docker-Content-Digest', echoed), ('Etag', echoed)]
        return replies.Reply(200, headers, payload, len(payload), 'upstream', '200')

    def local_manifest(self, method, repo, ref, if_none_match=''):
        """2.8 (a): the DB resolves the reference, L serves the manifest by digest."""
        artifact = self.db.artifact(repo, ref)
        if artifact is None:
            return replies.error(404, 'NOT_FOUND', f'artifact {repo}:{ref} not found')
        if if_none_match == artifact.digest:
            return replies.Reply(304, [('Docker-Content-Digest', artifact.digest)], b'', 0, 'local')
        response = self.local.request(method, f'/v2/{repo}/manifests/{artifact.digest}',
                                      headers={'Accept': ', '.join((artifact.media_type, '*/*'))})
        if method == 'GET' and response.status_code == 200 and not getattr(self._caller, 'replication', False):
            self.db.touch(repo, artifact.digest)
        return replies.from_response(response, 'local')

    # -- store jobs (2.3 - 2.7, 3.2) -----------------------------------------------------------------------------

    def _store_manifest(self, helper, repo, remote, ref, digest, payload, parsed):
        """2.3: store unless the reference already resolves locally to the same digest."""
        local = self.db.artifact(repo, ref)
        if not is_digest(ref) and local is not None and local.digest == digest:
            return
        if parsed.is_list:
            self._store_list(repo, ref, digest, payload, parsed)
        else:
            self._store_image(helper, repo, remote, ref, digest, payload, parsed)

    def _store_image(self, helper, repo, remote, ref, digest, payload, parsed):
        """2.4: sleep first, up to ``manifest_wait`` checks of this repository's blobs, then fetch what is missing;
        then the PUTs of 11.1 step 3 (HEAD: by digest, then by the requested tag)."""
        missing = parsed.references
        for _check in range(self.timing.manifest_wait):
            self.jobs.sleep(self.timing.interval)
            missing = [blob for blob in parsed.references if not self.blob_local(repo, blob)]
            if not missing:
                break
        for blob in missing:
            if not self._store_blob(helper, repo, remote, blob):
                LOG.warning('store %s@%s: blob %s could not be fetched; manifest not stored', repo, digest, blob)
                return
        self.jobs.check()
        self._push_manifest(repo, digest, payload, parsed, tags=self.core.image_tags(ref))

    def _store_list(self, repo, ref, digest, payload, parsed):
        """2.6: cache the original in redis now, wait for the children, push the trimmed re-serialisation untagged
        (by the requested tag up to v2.9.1, 11.1 step 3)."""
        self.db.cache_list(repo, digest, payload, parsed.media_type, self.timing.list_cache_ttl)
        children = parsed.children
        kept = []
        for _check in range(self.timing.list_wait):
            self.jobs.sleep(self.timing.interval)
            kept = [child for child in children if self.db.artifact(repo, child.get('digest', '')) is not None]
            if len(kept) == len(children):
                break
        if not kept:
            LOG.warning('store %s@%s: manifest list doesn\'t contain any pushed manifest', repo, digest)
            return
        trimmed, media_type, trimmed_digest = trimmed_index(kept)
        self.db.set_trimmed(digest_of(ref), trimmed_digest)
        if self.db.artifact(repo, digest) is not None and digest == trimmed_digest:
            return
        self.jobs.check()
        self._push_manifest(repo, trimmed_digest, trimmed, Parsed(media_type, trimmed), kept, tags=(self.core.index_tag(ref),))

    def _push_manifest(self, repo, digest, payload, parsed, children=(), tags=('',)):  # pylint: disable=too-many-arguments
        """PushManifest through the in-flight guard; L checks the blobs (or children) are there. Then one PUT into
        core per entry of ``tags`` ('' for a PUT by digest), each an ``artifact.Ctl.Ensure`` (11.1)."""
        key = f'{repo}:{digest}'
        if not self.db.begin(key):
            for tag in tags:  # pushed elsewhere right now: a tag is tied once that push has made the row
                if tag:
                    self.db.set_tag(repo, tag, digest)
            return True
        try:
            status, text = self.local.put_manifest(repo, digest, payload, parsed.media_type)
            if status != 201:
                LOG.warning('push %s@%s: %s %s', repo, digest, status, text.strip()[:300])
                return False
            references = [self._reference(repo, child) for child in children]
            row = {'media_type': parsed.media_type, 'size': len(payload), 'config_media_type': parsed.config_media_type,
                   'references': references, 'extra_attrs': None if parsed.is_list else self._extra_attrs(repo, parsed)}
        finally:
            self.db.end(key)
        for tag in tags:
            self.core.put(repo, digest, tag, row, payload)
        return True

    def _extra_attrs(self, repo, parsed):
        """What Harbor's image processor copies from the config (processor/image/manifest_v2.go:AbstractMetadata)."""
        config_digest = parsed.references[0]
        response = self.local.request('GET', f'/v2/{repo}/blobs/{config_digest}')
        try:
            config = response.json() if response.status_code == 200 else {}
        except ValueError:
            config = {}
        if not isinstance(config, dict):
            return {}
        return {'created': config.get('created'), 'architecture': config.get('architecture'), 'os': config.get('os'),
                'config': config.get('config'), 'author': config.get('author', '')}

    def _reference(self, repo, child):
        artifact = self.db.artifact(repo, child['digest'])
        return {'child_id': artifact.artifact_id if artifact else 0, 'child_digest': child['digest'],
                'platform': child.get('platform'), 'annotations': child.get('annotations'), 'urls': child.get('urls')}

    def _ensure_tag(self, repo, digest, tag):
        """3.2: every ``ensure_tag_interval`` (sleep first), tie the tag to the trimmed digest, else to ``digest``."""
        for _try in range(self.timing.ensure_tag_retries):
            self.jobs.sleep(self.timing.ensure_tag_interval)
            target = self.db.trimmed(digest) or digest
            if self.db.artifact(repo, target) is not None:
                if tag:  # an empty tag (HEAD by digest) is ambiguous in Harbor (10.2): nothing is tagged here
                    self.db.set_tag(repo, tag, target)
                return

    # -- blobs (4, 5) --------------------------------------------------------------------------------------------

    def blob_local(self, repo, digest):
        """UseLocalBlob / CheckDependencies: a global blob row **and** L links the blob into this repository."""
        return self.db.blob_known(digest) and self.local.blob_linked(repo, digest)

    def blob_get(self, repo, remote, digest):
        """4.1 - 4.3: local if held in this repository, else upstream GET #1 streamed and GET #2 stored behind it."""
        if not self.healthy or self.blob_local(repo, digest):
            return self._local_blob('GET', repo, digest)
        helper = self.upstream.helper()
        try:
            response = helper.get_blob(remote, digest)
        except UpstreamError as exc:
            status = {'UNAUTHORIZED': 401, 'FORBIDDEN': 403, 'NOT_FOUND': 404, 'TOO_MANY_REQUEST': 429}.get(exc.code, 500)
            message = 'internal server error' if status == 500 else str(exc)
            return replies.error(status, exc.code if status != 500 else 'UNKNOWN', message)
        size = int(response.headers.get('Content-Length') or 0)
        self.jobs.spawn(f'store blob {repo}@{digest}', self._store_blob, helper, repo, remote, digest, size)
        headers = [('Content-Type', 'application/octet-stream'), ('Docker-Content-Digest', digest), ('Etag', digest)]
        return replies.Reply(200, headers, replies.chunks(response), size, 'upstream', '200')

    def _local_blob(self, method, repo, digest):
        response = self.local.request(method, f'/v2/{repo}/blobs/{digest}', stream=True)
        return replies.from_response(response, 'local', stream=method == 'GET')

    def blob_head(self, repo, digest):
        """5: never upstream; 404 without a global row, else L answers for this repository."""
        if not self.db.blob_known(digest):
            return replies.error(404, 'NOT_FOUND', f'blob {digest} not found')
        return self._local_blob('HEAD', repo, digest)

    def _store_blob(self, helper, repo, remote, digest, size=None):
        """A fresh upstream GET pushed to L, single-shot: GET #2 behind a client's GET (4.3 step 3, 4.4, with GET #1's
        size), or a blob a manifest still lacks after its 10th check (2.4 step 3). False when it failed (only logged)."""
        try:
            response = helper.get_blob(remote, digest)
        except UpstreamError as exc:
            LOG.warning('store blob %s@%s: %s', repo, digest, exc)
            return False
        if size is None:
            size = int(response.headers.get('Content-Length') or 0)
        return self._push_blob(repo, digest, size, response)

    def _push_blob(self, repo, digest, size, response):
        key = f'{repo}:{digest}'
        with response:
            if not self.db.begin(key):
                return True  # in flight elsewhere: success at once, this body closed unread
            try:
                self.jobs.check()
                chunks = response.raw.stream(1 << 20, decode_content=False)
                if self.faults.take_failed_store():  # #23600: the single-shot GET #2 breaks off
                    LOG.warning('store blob %s@%s: upstream body broke off (fail_store switch)', repo, digest)
                    return False
                status, text = self.local.push_blob(repo, digest, size, chunks)
            except (requests.RequestException, OSError) as exc:
                LOG.warning('store blob %s@%s: %s', repo, digest, exc)
                return False
            finally:
                self.db.end(key)
        if status != 201:
            LOG.warning('store blob %s@%s: registry answered %s %s', repo, digest, status, text.strip()[:300])
            return False
        self.db.add_blob(digest)
        return True

    # -- tags list -----------------------------------------------------------------------------------------------

    def tags_list(self, repo, remote):
        """Upstream's tags (all pages) merged with local ones, sorted; local only when upstream fails."""
        names = {name for name, _pushed in self.db.tags_of(repo)}
        if self.healthy:
            try:
                names.update(self.upstream.helper().tags(remote))
            except UpstreamError:
                pass
        return replies.json_reply({'name': repo, 'tags': sorted(names)})

    # -- referrers (accessories.py) ------------------------------------------------------------------------------

    def referrers(self, repo, reference, artifact_type=None):
        """``GET /v2/<repo>/referrers/<digest>``: from the database alone, never upstream (HARBOR.md 12.2)."""
        if not reference.startswith('sha256:'):
            return replies.error(400, 'BAD_REQUEST', f'{reference} is not a digest')
        entries = []
        for row in self.db.accessories_of(repo, subject_digest=reference):
            stored = self.db.artifact(repo, row.digest)  # L serves an OCI manifest only to a client that accepts it
            accept = ', '.join((stored.media_type, '*/*')) if stored else '*/*'
            response = self.local.request('GET', f'/v2/{repo}/manifests/{row.digest}', headers={'Accept': accept})
            if response.status_code != 200:
                return replies.error(500, 'UNKNOWN', f'accessory {row.digest} of {reference}: {response.status_code}')
            entries.append((row, response.content))
        headers, body = accessories.referrers_index(entries, artifact_type)
        return replies.Reply(200, headers, body, len(body), 'local')
