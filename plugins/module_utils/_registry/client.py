# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""One registry v2 client: a pooled session, auth, retries, manifests, verified blob reads and blob triggers.

Retries of 429/5xx and broken connections are urllib3's (honouring Retry-After, in seconds or
as an HTTP date); a body cut short or a digest mismatch is retried here, because urllib3
cannot see inside a streamed body.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.auth import Authenticator, AuthError, lapsed, origin
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.connection import Connection
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.credentials import Credentials
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import (
    ACCEPT, MAX_MANIFEST_BYTES, Blob, DigestMismatch, Manifest, ManifestError, ManifestHead, hasher_for, parse_manifest,
)
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository

REQUESTS_IMPORT_ERROR: str | None = None
try:
    import requests
    import urllib3
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection
    from urllib3.exceptions import HTTPError as Urllib3Error, InsecureRequestWarning
    from urllib3.util.retry import Retry
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

if TYPE_CHECKING:  # urllib3 1.26 has no BaseHTTPResponse
    from urllib3.response import BaseHTTPResponse

CHUNK = 1024 * 1024  # large reads keep per-chunk overhead (and GIL hand-offs) negligible
MAX_RETRY_AFTER = 120  # seconds: a longer Retry-After is shortened to this, per retry
RETRY_STATUSES = (429, 500, 502, 503, 504)
USER_AGENT = 'prewarm.harbor/1.0 (ansible; +harbor_proxy_cache_populate)'
TRIGGER_RECEIVE_BUFFER = 4096  # bytes (Linux doubles it): what a trigger's socket lets a server send before it closes


class RegistryError(ImageError):
    """A request that failed for good; the message says what happened and what to check. ``status``: the HTTP status
    that ended it, when one did."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


if REQUESTS_IMPORT_ERROR is None:  # else there is no Retry, and no Registry can be made (the module says why)
    class CappedRetry(Retry):
        """urllib3 Retry that will not sleep longer than MAX_RETRY_AFTER on a Retry-After header."""

        def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
            seconds = super().get_retry_after(response)
            return None if seconds is None else min(seconds, MAX_RETRY_AFTER)

    class SmallWindow(HTTPAdapter):
        """Connections whose receive buffer is set small before they connect, so the TCP window stays small: a
        trigger reads the status line and closes, and what a server sent into a large buffer crossed for nothing."""

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            kwargs['socket_options'] = list(HTTPConnection.default_socket_options) + [
                (socket.SOL_SOCKET, socket.SO_RCVBUF, TRIGGER_RECEIVE_BUFFER)]
            super().init_poolmanager(*args, **kwargs)

    class EnvironmentOnce(requests.Session):
        """A session that reads the environment (proxies, NO_PROXY, REQUESTS_CA_BUNDLE) once per origin and settings,
        not on every request: requests scans the whole environment per request, a quarter of a small request's client
        CPU. The environment does not change during a run; redirects still consult it as requests does."""

        def __init__(self) -> None:
            super().__init__()
            self._settings: dict[tuple, Any] = {}

        def merge_environment_settings(self, url: str | bytes | None, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
            parts = urlsplit(url.decode() if isinstance(url, bytes) else url or '')
            key = (parts.scheme, parts.netloc, proxies is None, tuple(sorted((proxies or {}).items())), stream, verify, cert)
            settings = self._settings.get(key)
            if settings is None:  # two threads may both compute it: the same answer
                given = dict(proxies) if proxies is not None else None
                settings = self._settings[key] = super().merge_environment_settings(url, given, stream, verify, cert)
            return dict(settings, proxies=dict(settings['proxies']))  # requests may change what it is given


@dataclass(frozen=True)
class BlobHead:
    """A blob HEAD's answer: ``found`` (200), and whether it looked served ``from_storage`` (see blob_head)."""

    found: bool
    from_storage: bool


@dataclass(frozen=True)
class ApiCall:
    """A call of Harbor's REST API: ``what`` names it in messages, ``refused`` says what a 401 or 403 means."""

    method: str
    url: str
    what: str
    refused: str = 'check the account\'s permissions'
    credentials: Credentials | None = None
    body: Any = None


@dataclass(frozen=True)
class ApiAnswer:
    """Its status, ``Location`` (of what a POST created), the JSON document (None without one) and the text."""

    status: int
    location: str | None
    document: Any
    text: str


class Tally:
    """The retries of one image, shared by the threads working on it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.retries = 0

    def add(self, retries: int = 0) -> None:
        with self._lock:
            self.retries += retries


class Registry:
    """A client for every registry of one run; safe to share between threads."""

    def __init__(self, credentials_for: Callable[[str], Credentials | None], connection: Connection | None = None) -> None:
        """``credentials_for``: ``(origin) -> Credentials or None`` (a _registry.credentials.CredentialSource)."""
        connection = connection or Connection()
        retries = connection.retries
        self.retries = retries
        self.timeout = (connection.timeout, connection.timeout)
        self.session = EnvironmentOnce()
        self.session.headers['User-Agent'] = USER_AGENT
        # Given per request: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a session's verify.
        self.verify: str | bool = connection.ca_path or connection.validate_certs
        if not connection.validate_certs:
            urllib3.disable_warnings(InsecureRequestWarning)  # requests.packages.urllib3 is urllib3
        retry = CappedRetry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=0.5,
                            status_forcelist=RETRY_STATUSES, allowed_methods=frozenset(['GET', 'HEAD']),
                            respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False)
        # pool_block bounds the connections per host to pool_size, whatever the thread count.
        pooling: dict[str, Any] = dict(pool_connections=8, pool_maxsize=connection.pool_size, pool_block=True, max_retries=retry)
        adapter = HTTPAdapter(**pooling)
        self.session.mount('https://', adapter)
        self.session.mount('http://', adapter)
        # Triggers close every connection at the status line: their own small-window sockets, never kept alive.
        self.triggers = EnvironmentOnce()
        self.triggers.headers['User-Agent'] = USER_AGENT
        small = SmallWindow(**pooling)
        self.triggers.mount('https://', small)
        self.triggers.mount('http://', small)
        self.auth = Authenticator(credentials_for, self._fetch_token, connection.allow_plain_http_credentials)
        self._remembered: dict[tuple, Any] = {}  # remember(): answers that hold for the client's life
        self._remember_lock = threading.Lock()

    def close(self) -> None:
        self.session.close()
        self.triggers.close()

    # -- requests ---------------------------------------------------------------------------

    def request(self, method: str, url: str, scope: str, tally: Tally | None = None,  # pylint: disable=too-many-arguments
                headers: dict[str, str] | None = None, stream: bool = False, trigger: bool = False) -> requests.Response:
        """Send with auth; on 401 learn the challenge and retry once with a fresh token, and once more when that
        token expired on its way (see ``lapsed``). ``trigger``: on a small-window connection (see SmallWindow)."""
        headers = dict(headers or {})
        response: requests.Response | None = None
        for attempt in (1, 2, 3):
            # No response before the first attempt; the later ones answer the previous 401. A token refused for
            # want of rights (wrong credentials get an anonymous one at Harbor) is not asked for again.
            if attempt == 3 and not lapsed(headers.get('Authorization')):
                break
            auth = self.auth.header(url, scope) if response is None else self.auth.challenged(
                url, response.headers.get('WWW-Authenticate'), scope, refused=headers.get('Authorization'))
            if auth is None and attempt > 1:
                break
            if attempt > 1 and 'Authorization' in headers and tally is not None:
                tally.add(retries=1)  # a token turned down (expired early): getting a new one is a retry
            if auth:
                headers['Authorization'] = auth
            response = self._send(method, url, tally, headers=headers, stream=stream, trigger=trigger)
            if response.status_code != 401:
                return response
            response.close()
            if origin(response.url) != origin(url):
                # The 401 came from where the cache redirected us (object storage): its challenge is not the
                # registry's, and answering it would hand the registry's credentials to another host.
                raise AuthError('%s %s was redirected to %s, which answered 401: credentials are never sent there; '
                                'check the cache\'s storage redirect settings' % (method, _redacted(url), origin(response.url)))
        raise AuthError('%s %s: 401 unauthorized%s: check username/password (a robot account looks like robot$name) '
                        'and that the account may pull from this project' % (
                            method, _redacted(url), '' if self.auth.credentials_for(origin(url)) else ' without credentials'))

    def _send(self, method: str, url: str, tally: Tally | None, trigger: bool = False, **kwargs: Any) -> requests.Response:
        session = self.triggers if trigger else self.session
        try:
            response = session.request(method, url, timeout=self.timeout, verify=self.verify, allow_redirects=True, **kwargs)
        except requests.exceptions.SSLError as exc:
            # from None: requests' text has the whole URL, query and all (a storage redirect's is signed), which the message leaves out
            raise RegistryError('%s %s: TLS verification failed (%s): give the CA with ca_path, or set validate_certs: false '
                                'for a test registry' % (method, _redacted(url), _reason(exc))) from None
        except requests.exceptions.RequestException as exc:
            raise RegistryError('%s %s: %s after %d retries: check the cache is reachable' % (
                method, _redacted(url), _reason(exc), self.retries)) from None
        if tally is not None:
            history = getattr(getattr(response.raw, 'retries', None), 'history', ()) or ()
            tally.add(retries=len(history))
        return response

    def _fetch_token(self, realm: str, params: list[tuple[str, str]], headers: dict[str, str]) -> Any:
        response = self._send('GET', realm, None, params=params, headers=headers)
        if response.status_code in (401, 403):
            raise AuthError('the token service %s refused the credentials (%d): check username and password' % (
                _redacted(realm), response.status_code))
        if response.status_code != 200:
            raise AuthError('the token service %s answered %d' % (_redacted(realm), response.status_code))
        try:
            return response.json()
        except ValueError as exc:
            raise AuthError('the token service %s answered with something that is not JSON' % _redacted(realm)) from exc

    # -- what the warmer asks ---------------------------------------------------------------

    def is_harbor(self, base: str) -> bool:
        """Harbor answers /api/v2.0/ping with Pong; a plain registry does not have that API."""
        def pong() -> bool:
            response = self._send('GET', base + '/api/v2.0/ping', None)
            return response.status_code == 200 and response.text.strip().strip('"') == 'Pong'
        try:
            return bool(self.remember(('is harbor', base), pong))
        except RegistryError:
            return False  # not remembered: a client reused across calls asks again next time

    def remember(self, key: tuple, ask: Callable[[], Any]) -> Any:
        """``ask()`` once per ``key`` for this client's life (whether a cache is Harbor, its release, a project's
        retention policy): the companion playbook's lanes call the module once per image with one client, and these
        do not change meanwhile. An ``ask()`` that raises is not remembered."""
        with self._remember_lock:  # one question per key, however many images start at once
            if key not in self._remembered:
                self._remembered[key] = ask()
            return self._remembered[key]

    def api_json(self, url: str, what: str, tally: Tally | None = None) -> Any:
        """GET a document of Harbor's REST API, which takes Basic credentials, not registry tokens (docs/harbor.md 6.3).

        Returns the JSON document, or None on 404; a refusal names the permission it needs.
        """
        headers = {'Accept': 'application/json'}
        auth = self.auth.basic(url)
        if auth:
            headers['Authorization'] = auth
        response = self._send('GET', url, tally, headers=headers)
        with response:
            if response.status_code == 404:
                return None
            if response.status_code in (401, 403):
                raise AuthError('Harbor\'s API refused to show %s (%d): the account needs "artifact read" on the project '
                                '(a robot account: the access entry artifact:read)' % (what, response.status_code))
            check_status(response, what)
            try:
                return response.json()
            except ValueError as exc:
                raise RegistryError('%s: Harbor\'s API answered with something that is not JSON' % what) from exc

    def api_call(self, call: ApiCall, tally: Tally | None = None) -> ApiAnswer:
        """One call of Harbor's REST API with Basic credentials (the call's own, else the host's). A 401 or 403 raises
        AuthError with ``call.refused`` (the permission it needs); 404 is an answer; other errors say what failed."""
        headers = {'Accept': 'application/json'}
        auth = self.auth.basic(call.url, call.credentials)
        if auth:
            headers['Authorization'] = auth
        response = self._send(call.method, call.url, tally, headers=headers, json=call.body)
        with response:
            if response.status_code in (401, 403):
                raise AuthError('Harbor\'s API refused %s (%d): %s' % (call.what, response.status_code, call.refused))
            if response.status_code != 404:
                check_status(response, call.what)
            document = None
            if 'json' in (response.headers.get('Content-Type') or '') and response.content:
                try:
                    document = response.json()
                except ValueError as exc:
                    raise RegistryError('%s: Harbor\'s API answered with something that is not JSON' % call.what) from exc
            return ApiAnswer(response.status_code, response.headers.get('Location'), document, response.text)

    def manifest(self, repo: Repository, reference: str, tally: Tally | None = None, expected_digest: str | None = None) -> Manifest:
        """GET and verify a manifest; returns a parsed Manifest, its ``repository`` where the cache served it from."""
        url = repo.manifest_url(reference)
        by_digest = ':' in reference
        where = 'manifest %s/%s%s%s' % (origin(repo.base), repo.name, '@' if by_digest else ':', reference)
        digest = expected_digest or (reference if by_digest else None)

        def attempt() -> tuple[Manifest | None, str | None]:
            response = self.request('GET', url, repo.scope, tally, headers={'Accept': ACCEPT}, stream=True)
            with response:
                check_status(response, where)
                try:
                    raw = response.raw.read(MAX_MANIFEST_BYTES + 1, decode_content=True)
                except (Urllib3Error, requests.exceptions.RequestException, OSError) as exc:
                    return None, 'the connection broke while reading it (%s)' % _reason(exc)
            if len(raw) > MAX_MANIFEST_BYTES:
                raise ManifestError('%s is larger than %d bytes: refusing it (registries cap manifests at 4 MiB)' % (
                    where, MAX_MANIFEST_BYTES))
            try:
                parsed = parse_manifest(raw, response.headers.get('Content-Type'), digest, where)
            except DigestMismatch as exc:
                return None, str(exc)
            parsed.repository = repo.renamed(_served_from(response.url, repo.base, repo.name))
            return parsed, None

        return self._until_intact(where, attempt, tally)

    def manifest_head(self, repo: Repository, reference: str, tally: Tally | None = None) -> ManifestHead | None:
        """HEAD a manifest: its ManifestHead when it exists, None when not. Only for Harbor (a plain proxy stores on
        HEAD); Harbor answers it from upstream or its own store and starts no store job (by tag, it starts EnsureTag,
        which only ties the tag to what Harbor has stored)."""
        response = self.request('HEAD', repo.manifest_url(reference), repo.scope, tally, headers={'Accept': ACCEPT})
        with response:
            if response.status_code == 404:
                return None
            check_status(response, 'manifest %s/%s:%s' % (origin(repo.base), repo.name, reference))
            media_type = media_type_of(response)
            return ManifestHead(response.headers.get('Docker-Content-Digest') or reference, media_type,
                                repo.renamed(_served_from(response.url, repo.base, repo.name)))

    def blob_exists(self, repo: Repository, digest: str, tally: Tally | None = None) -> bool:
        """HEAD a blob: True on 200, False on 404, an error otherwise. What the answer means depends on the cache
        (_harbor.flavor): Harbor answers from its storage only, a plain proxy from upstream too."""
        response = self.request('HEAD', repo.blob_url(digest), repo.scope, tally)
        with response:
            if response.status_code == 404:
                return False
            check_status(response, 'blob %s in %s' % (digest, repo.name))
            return True

    def blob_head(self, repo: Repository, digest: str, tally: Tally | None = None) -> BlobHead:
        """HEAD a blob while a cache stores it: any status but 200 is "not yet", never an error."""
        response = self.request('HEAD', repo.blob_url(digest), repo.scope, tally)
        with response:
            # A plain distribution proxy answers from storage through http.ServeContent (which adds Accept-Ranges)
            # or a redirect to its storage backend, and from upstream with neither.
            return BlobHead(response.status_code == 200, bool(response.history) or 'Accept-Ranges' in response.headers)

    def read_blob(self, repo: Repository, blob: Blob, tally: Tally | None = None, keep: bool = False) -> tuple[int, bytes | None]:
        """Read a blob to the end through ``repo``, verifying size and digest.

        Returns (bytes read over the network, the content when ``keep`` else None). A body cut
        short or a digest mismatch is retried, then reported; nothing is written to disk.
        """
        url = repo.blob_url(blob.digest)
        where = 'blob %s in %s' % (blob.digest, repo.name)
        pulled = [0]  # over every attempt: what the network carried, not just the good copy

        def attempt() -> tuple[tuple[int, bytes | None], str | None]:
            response = self.request('GET', url, repo.scope, tally, stream=True)
            with response:
                check_status(response, where)
                hasher = hasher_for(blob.digest)
                size = 0
                parts: list[bytes] | None = [] if keep else None
                problem: str | None
                try:
                    for chunk in response.raw.stream(CHUNK, decode_content=False):
                        hasher.update(chunk)
                        size += len(chunk)
                        if parts is not None:  # keep
                            parts.append(chunk)
                        if size > blob.size:
                            break
                except (Urllib3Error, requests.exceptions.RequestException, OSError) as exc:
                    problem = 'the connection broke after %d of %d bytes (%s)' % (size, blob.size, _reason(exc))
                else:
                    problem = _verify(blob, size, hasher)
                pulled[0] += size
            return (pulled[0], b''.join(parts) if parts is not None else None), problem

        return self._until_intact(where, attempt, tally)

    def trigger_blob(self, repo: Repository, blob: Blob, tally: Tally | None = None) -> None:
        """Open a blob's GET through a cache and close it at the status line, reading no byte of the body: Harbor
        fetches and stores the blob on its own, independent of this connection (docs/harbor.md 4.3). An error status
        is raised as for a read."""
        response = self.request('GET', repo.blob_url(blob.digest), repo.scope, tally, stream=True, trigger=True)
        with response:  # closing a body unread closes the connection: nothing more crosses
            check_status(response, 'blob %s in %s' % (blob.digest, repo.name))

    def _until_intact(self, where: str, attempt: Callable[[], tuple[Any, str | None]], tally: Tally | None) -> Any:
        """Run ``attempt`` (returning (result, problem)) until a body arrives whole and verified.

        urllib3 retries what goes wrong before a response; a body cut short or not matching its
        digest is retried here, then reported; every repeat counts in the image's retries.
        """
        problem = None
        for _attempt in range(self.retries + 1):
            result, problem = attempt()
            if problem is None:
                return result
            if tally is not None:
                tally.add(retries=1)
        raise RegistryError('%s: %s, %d times: the cache or its upstream serves broken content' % (where, problem, self.retries + 1))


def _verify(blob: Blob, size: int, hasher: hashlib._Hash) -> str | None:
    if size != blob.size:
        return 'the body had %s bytes, the manifest says %d' % ('more than %d' % blob.size if size > blob.size else size, blob.size)
    digest = '%s:%s' % (blob.digest.partition(':')[0], hasher.hexdigest())
    if digest != blob.digest:
        return 'the content has digest %s (corrupted)' % digest
    return None


def repository_of(manifest: Manifest) -> Repository:
    """The repository the cache served ``manifest`` from: Registry.manifest sets it on every manifest it returns."""
    if manifest.repository is None:
        raise AssertionError('manifest %s was not read by Registry.manifest: where it was served from is unknown' % manifest.digest)
    return manifest.repository


def _served_from(final_url: str | None, base: str, repository: str) -> str:
    """The repository a manifest came from after the cache's redirects (Harbor sends Docker Hub's short names to
    ``library/``); its blobs are stored there, and only there does a blob HEAD find them."""
    parts = urlsplit(final_url or '')
    if origin(final_url or base) == origin(base) and parts.path.startswith('/v2/') and '/manifests/' in parts.path:
        return parts.path[len('/v2/'):].rsplit('/manifests/', 1)[0]
    return repository


def media_type_of(response: requests.Response) -> str:
    """The response's Content-Type without its parameters."""
    return (response.headers.get('Content-Type') or '').split(';')[0].strip()


def check_status(response: requests.Response, what: str) -> None:
    """Turn an error status into a message that says what to do."""
    status = response.status_code
    if status < 400:
        return
    detail = _registry_message(response)
    if status == 404 and _HARBOR_LOCAL_NOT_FOUND in detail:
        raise RegistryError('%s not found (404%s): Harbor answered from its own storage, as it does when it cannot reach '
                            'upstream (refused, timing out, or marked unhealthy for up to 5 minutes) and holds no copy: '
                            'check Harbor\'s connection to upstream (its registry endpoint), or that the tag exists '
                            'upstream, then warm again' % (what, detail), status)
    if status == 404:
        raise RegistryError('%s not found (404%s): check the tag or digest exists upstream and the rule maps to the right project'
                            % (what, detail), status)
    if status == 403:
        raise RegistryError('%s: access denied (403%s): the account may not pull from this project' % (what, detail), status)
    if status == 429:
        raise RegistryError('%s: still rate limited (429) after retries%s: lower max_parallel_jobs or retry later; a '
                            'Harbor proxy cache answers 429 when its upstream (Docker Hub: pulls per 6 hours) refuses '
                            'and it holds no copy: give its registry endpoint an upstream account' % (what, detail), status)
    if status >= 500:
        raise RegistryError('%s: HTTP %d%s, still after retries: the cache or its upstream is failing; retry later or '
                            'check the cache\'s logs' % (what, status, detail), status)
    raise RegistryError('%s: HTTP %d%s' % (what, status, detail), status)


# Harbor's own 404 for an artifact it does not hold ("artifact <repo>:<tag> not found", controller/artifact/controller.go
# getByTag; "<repo>@<digest>", pkg/artifact/dao/dao.go), which a proxy project answers when its upstream request failed
# with anything but 404 or 429 (docs/harbor.md 2.9); upstream's own 404 reads "repo <r>, tag <t> not found".
_HARBOR_LOCAL_NOT_FOUND = ': artifact '


def _registry_message(response: requests.Response) -> str:
    """The first entry of a registry's JSON error body, if any."""
    try:
        errors = response.json().get('errors') or []
        first = errors[0]
        return ', %s: %s' % (first.get('code'), first.get('message'))
    except Exception:  # pylint: disable=broad-exception-caught
        return ''


def _reason(exc: BaseException) -> str:
    """A short reason from a requests/urllib3 exception, without URLs that may carry query strings."""
    reason = exc
    while getattr(reason, 'args', None) and isinstance(reason.args[0], Exception):
        reason = reason.args[0]
    return type(reason).__name__ + (': %s' % getattr(reason, 'reason', '') if getattr(reason, 'reason', None) else '')


def _redacted(url: str) -> str:
    """A URL without its query string (a token endpoint's query may be long; never secret, but noisy)."""
    return url.split('?', 1)[0]
