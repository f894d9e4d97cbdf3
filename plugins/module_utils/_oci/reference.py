# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Image references (Docker's grammar and normalisation) and the registry manifest URLs that rules produce."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple, NoReturn
from urllib.parse import urlsplit

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError

# Grammar of github.com/distribution/reference (regexp.go), with ASCII-only classes
# (Go's \w is ASCII; Python's is not, so it is spelled out).
_ALNUM = r'[a-z0-9]+'
_SEPARATOR = r'(?:[._]|__|-+)'
_PATH_COMPONENT = _ALNUM + r'(?:' + _SEPARATOR + _ALNUM + r')*'
_DOMAIN_COMPONENT = r'(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
_HOST = r'(?:' + _DOMAIN_COMPONENT + r'(?:\.' + _DOMAIN_COMPONENT + r')*|\[[a-fA-F0-9:]+\])'

PATH_COMPONENT_RE = re.compile(_PATH_COMPONENT)
DOMAIN_RE = re.compile(_HOST + r'(?::[0-9]+)?')
TAG_RE = re.compile(r'[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}')
DIGEST_RE = re.compile(r'[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}')
_IMAGE_ID_RE = re.compile(r'[a-f0-9]{64}')

# The algorithms go-digest v1.0.0 (the version distribution/reference requires) knows, and the length of their
# lowercase hex; any other algorithm is unsupported (ErrDigestUnsupported), even where the grammar allows it.
KNOWN_DIGEST_LENGTHS = {'sha256': 64, 'sha384': 96, 'sha512': 128}

DEFAULT_DOMAIN = 'docker.io'
LEGACY_DEFAULT_DOMAIN = 'index.docker.io'
OFFICIAL_REPO_PREFIX = 'library/'
DEFAULT_TAG = 'latest'
NAME_TOTAL_LENGTH_MAX = 255


class InvalidReference(ImageError):
    """An image reference, repository name, tag or digest that the grammar rejects."""


class InvalidManifestURL(ImageError):
    """A URL that is not http(s)://host[:port]/v2/<repository>/manifests/<tag or digest>."""


def _fail(text: str, problem: str) -> NoReturn:
    raise InvalidReference('invalid image reference "%s": %s' % (text, problem))


def is_repository_path(path: str) -> bool:
    """True when ``path`` is a repository path without domain (``library/alpine``, ``proxy_hub/x``)."""
    return all(PATH_COMPONENT_RE.fullmatch(part) for part in path.split('/'))


def is_tag(tag: str) -> bool:
    return TAG_RE.fullmatch(tag) is not None


def digest_problem(digest: str) -> str | None:
    """Return why ``digest`` is not a valid ``algorithm:hex`` digest, or None when it is."""
    if DIGEST_RE.fullmatch(digest) is None:
        return 'digest "%s" must be "algorithm:hex" with at least 32 hex digits, e.g. "sha256:" followed by 64 hex digits' % digest
    algorithm, encoded = digest.split(':', 1)
    length = KNOWN_DIGEST_LENGTHS.get(algorithm)
    if length is None:
        return 'digest "%s" uses the algorithm "%s", which Docker and containerd do not support: use %s' % (
            digest, algorithm, ', '.join(sorted(KNOWN_DIGEST_LENGTHS)))
    if len(encoded) != length:
        return 'digest "%s" must have exactly %d lowercase hex digits after "%s:" (it has %d)' % (digest, length, algorithm, len(encoded))
    if encoded != encoded.lower():
        return 'digest "%s" must be lowercase hex after "%s:" (use "%s:%s")' % (digest, algorithm, algorithm, encoded.lower())
    return None


def is_digest(digest: str) -> bool:
    return digest_problem(digest) is None


def _split_domain(name: str) -> tuple[str, str, bool]:
    """Docker's splitDockerDomain: the first component is a registry host only when it looks like one."""
    first, slash, rest = name.partition('/')
    looks_like_host = '.' in first or ':' in first or first == 'localhost' or first != first.lower()
    if not slash or not looks_like_host:
        return DEFAULT_DOMAIN, name, False
    if first == LEGACY_DEFAULT_DOMAIN:
        first = DEFAULT_DOMAIN
    return first, rest, True


def _check_path(text: str, domain: str | None, path: str, tag: str | None, digest: str | None) -> None:
    if path != path.lower():
        # Repeat the whole reference with only the repository part lowercased, so it can be pasted back.
        fixed = path.lower()
        if domain is not None:
            fixed = domain + '/' + fixed
        fixed += (':' + tag if tag is not None else '') + ('@' + digest if digest is not None else '')
        _fail(text, 'repository names must be lowercase (use "%s")' % fixed)
    for part in path.split('/'):
        if not PATH_COMPONENT_RE.fullmatch(part):
            if part == '':
                _fail(text, 'the repository path has an empty component (remove the doubled, leading or trailing "/")')
            _fail(text, 'repository path component "%s" is invalid: use lowercase letters and digits, separated by ".", "_", "__" or dashes' % part)


@dataclass(frozen=True)
class Reference:
    """A parsed and normalised image reference. ``original`` is kept for messages, not compared."""

    domain: str
    path: str
    tag: str | None
    digest: str | None
    original: str = field(default='', compare=False)

    @property
    def name(self) -> str:
        """Fully qualified repository name, e.g. ``docker.io/library/alpine`` (the path alone without a domain)."""
        return self.domain + '/' + self.path if self.domain else self.path

    @property
    def reference(self) -> str | None:
        """What goes into ``/v2/<path>/manifests/<reference>``: the digest when there is one, else the tag."""
        return self.digest if self.digest is not None else self.tag

    def _suffix(self) -> str:
        return (':' + self.tag if self.tag is not None else '') + ('@' + self.digest if self.digest is not None else '')

    def __str__(self) -> str:
        return self.name + self._suffix()

    def normalized(self) -> str:
        """The full normalised string, e.g. ``docker.io/library/alpine:latest`` (same as ``str()``)."""
        return str(self)

    def familiar(self) -> str:
        """Docker's short "familiar" form, e.g. ``alpine:latest`` or ``ghcr.io/org/app:v1``."""
        name = self.name
        if self.domain == DEFAULT_DOMAIN:
            name = self.path
            if name.startswith(OFFICIAL_REPO_PREFIX) and '/' not in name[len(OFFICIAL_REPO_PREFIX):]:
                name = name[len(OFFICIAL_REPO_PREFIX):]
        return name + self._suffix()


def parse_reference(text: str) -> Reference:
    """Parse and normalise ``text`` like Docker's ParseNormalizedNamed + TagNameOnly.

    Raises InvalidReference with a message that names the input and the fix.
    """
    if not isinstance(text, str):
        raise InvalidReference('invalid image reference %r: expected a string' % (text,))
    if text == '':
        raise InvalidReference('invalid image reference "": the reference is empty (give a name such as "alpine:3.20")')
    if any(ch.isspace() or ord(ch) < 0x20 for ch in text):
        _fail(text, 'it contains whitespace or control characters (remove them)')
    if _IMAGE_ID_RE.fullmatch(text):
        _fail(text, 'a 64-character hexadecimal string is an image ID, not a name (use "name@sha256:%s")' % text)

    rest, at, digest_text = text.partition('@')
    digest = digest_text if at else None
    if digest is not None:
        problem = digest_problem(digest)
        if problem:
            _fail(text, problem)

    tag = None
    colon = rest.rfind(':')
    if colon > rest.rfind('/'):
        rest, tag = rest[:colon], rest[colon + 1:]
        if not is_tag(tag):
            _fail(text, 'tag "%s" is invalid: use up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"' % tag)
    if rest == '':
        _fail(text, 'the repository name is missing')

    domain, path, explicit = _split_domain(rest)
    if explicit and not DOMAIN_RE.fullmatch(domain):
        if not is_repository_path(rest):
            _fail(text, 'registry host "%s" is invalid: use a host name, IPv4 address or [IPv6] address, optionally with ":port"' % domain)
        # Not a host, yet a valid repository path as a whole ("foo_bar.com/app"): distribution/reference takes it
        # as a name without a domain.
        domain, path = '', rest
    _check_path(text, domain if explicit else None, path, tag, digest)
    if domain == DEFAULT_DOMAIN and '/' not in path:
        path = OFFICIAL_REPO_PREFIX + path
    # distribution/reference limits the path, not the domain (RepositoryNameTotalLengthMax).
    if len(path) > NAME_TOTAL_LENGTH_MAX:
        _fail(text, 'the repository path "%s" is %d characters long; at most %d are allowed' % (path, len(path), NAME_TOTAL_LENGTH_MAX))

    if tag is None and digest is None:
        tag = DEFAULT_TAG
    return Reference(domain=domain, path=path, tag=tag, digest=digest, original=text)


# Registry manifest URLs.

MANIFESTS = '/manifests/'


class ManifestURL(NamedTuple):
    """A registry manifest URL's parts: ``http(s)://host[:port]``, the repository, the tag or digest."""

    base_url: str
    repository: str
    reference: str


def parse_manifest_url(url: str) -> ManifestURL:
    """Split ``http(s)://host[:port]/v2/<repository>/manifests/<tag-or-digest>``; raise InvalidManifestURL if it is not one."""
    form = 'expected http(s)://host[:port]/v2/<repository>/manifests/<tag or digest>'
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.netloc or parts.query or parts.fragment:
        raise InvalidManifestURL('"%s" is not a registry manifest URL: %s' % (url, form))
    if '@' in parts.netloc:
        raise InvalidManifestURL('"%s://***@%s%s" contains credentials: remove them from the URL and give them as module options' % (
            parts.scheme, parts.netloc.rpartition('@')[2], parts.path))
    path = parts.path
    manifests = path.rfind(MANIFESTS)
    if not path.startswith('/v2/') or manifests < len('/v2'):
        raise InvalidManifestURL('"%s" is not a registry manifest URL: %s' % (url, form))
    repository, reference = path[len('/v2/'):manifests], path[manifests + len(MANIFESTS):]
    if not is_repository_path(repository):
        raise InvalidManifestURL('"%s" has an invalid repository "%s": use lowercase path components separated by "/" (%s)' % (url, repository, form))
    if ':' in reference:
        if digest_problem(reference):
            raise InvalidManifestURL('"%s" has an invalid reference "%s" after /manifests/: a tag cannot contain ":" and %s'
                                     % (url, reference, digest_problem(reference)))
    elif not is_tag(reference):
        raise InvalidManifestURL('"%s" has an invalid tag "%s" after /manifests/ (%s)' % (url, reference, form))
    return ManifestURL('%s://%s' % (parts.scheme, parts.netloc), repository, reference)
