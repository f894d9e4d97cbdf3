# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Platforms: parsing, normalisation (containerd's and regclient's rules) and selection from an image index."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import OptionError

# Go's GOOS / GOARCH lists (go/build/syslist.go, Go 1.19, plus wasip1 from Go 1.21).
KNOWN_OS = frozenset((
    'aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl',
    'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows', 'zos',
))
KNOWN_ARCH = frozenset((
    '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'loong64', 'mips', 'mipsle', 'mips64',
    'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'ppc64', 'ppc64le', 'riscv', 'riscv64', 's390', 's390x',
    'sparc', 'sparc64', 'wasm',
))

_PART_RE = re.compile(r'[a-z0-9_.-]+')
_FORM = 'use the form "os/arch[/variant]", e.g. "linux/amd64" or "linux/arm/v7", or "all"'
ATTESTATION_ANNOTATION = 'vnd.docker.reference.type'
ATTESTATION_SUBJECT = 'vnd.docker.reference.digest'  # the platform manifest an attestation is about


class InvalidPlatform(OptionError):
    """A platform string the collection does not understand."""


@dataclass(frozen=True)
class Platform:
    """A normalised platform; ``variant`` is '' when there is none."""

    os: str
    architecture: str
    variant: str = ''

    def __str__(self) -> str:
        return '/'.join(part for part in (self.os, self.architecture, self.variant) if part)


class _All:
    """Sentinel for "every platform in the index"."""

    def __str__(self) -> str:
        return 'all'

    def __repr__(self) -> str:
        return 'ALL'


ALL = _All()


def normalize(os_name: str | None, architecture: str | None, variant: str | None = '') -> Platform:
    """Normalise like containerd's platforms.Normalize.

    ``arm`` without a variant becomes ``arm/v7`` (as containerd does): a request for ``linux/arm`` matches an
    index entry ``linux/arm/v7`` and an entry ``linux/arm`` that gives no variant, and vice versa.
    """
    os_name = (os_name or '').lower()
    arch = (architecture or '').lower()
    variant = (variant or '').lower()
    if os_name == 'macos':
        os_name = 'darwin'
    if arch == 'i386':
        arch, variant = '386', ''
    elif arch in ('x86_64', 'x86-64', 'amd64'):
        arch = 'amd64'
        if variant == 'v1':
            variant = ''
    elif arch in ('aarch64', 'arm64'):
        arch = 'arm64'
        if variant in ('8', 'v8', 'v8.0'):
            variant = ''
    elif arch == 'armhf':
        arch, variant = 'arm', 'v7'
    elif arch == 'armel':
        arch, variant = 'arm', 'v6'
    elif arch == 'arm':
        if variant in ('', '7'):
            variant = 'v7'
        elif variant in ('5', '6', '8'):
            variant = 'v' + variant
    return Platform(os_name, arch, variant)


def parse_platform(text: str) -> Platform | _All:
    """Parse ``os/arch[/variant]`` (or ``all``) given by a user; return a normalised Platform or ALL."""
    if not isinstance(text, str):
        raise InvalidPlatform('invalid platform %r: expected a string; %s' % (text, _FORM))
    if text.strip().lower() == 'all':
        return ALL
    parts = text.strip().lower().split('/')
    if not 2 <= len(parts) <= 3 or not all(_PART_RE.fullmatch(part) for part in parts):
        raise InvalidPlatform('invalid platform "%s": %s' % (text, _FORM))
    platform = normalize(*parts)
    if platform.os not in KNOWN_OS:
        raise InvalidPlatform('invalid platform "%s": unknown operating system "%s" (Go knows %s); %s'
                              % (text, parts[0], ', '.join(sorted(KNOWN_OS)), _FORM))
    if platform.architecture not in KNOWN_ARCH:
        raise InvalidPlatform('invalid platform "%s": unknown architecture "%s" (Go knows %s; aliases: aarch64, x86_64, i386, armhf, armel); %s'
                              % (text, parts[1], ', '.join(sorted(KNOWN_ARCH)), _FORM))
    return platform


def parse_platforms(items: Sequence[str]) -> tuple[Platform | _All, ...]:
    """Parse a list of platform strings; drop duplicates after normalisation. ``all`` must stand alone."""
    if isinstance(items, str) or not isinstance(items, (list, tuple)) or not items:
        raise InvalidPlatform('invalid platform list %r: give a non-empty list such as ["linux/amd64", "linux/arm64"] or ["all"]' % (items,))
    parsed: list[Platform | _All] = []
    for item in items:
        platform = parse_platform(item)
        if platform not in parsed:
            parsed.append(platform)
    if ALL in parsed and len(parsed) > 1:
        raise InvalidPlatform('invalid platform list %r: "all" already selects every platform; give either ["all"] or a list without it' % (list(items),))
    return tuple(parsed)


def from_descriptor(data: dict[str, Any]) -> Platform:
    """Normalised Platform from an index entry's ``platform`` or an image config (keys os, architecture, variant)."""
    return normalize(data.get('os'), data.get('architecture'), data.get('variant'))


def _raw(data: dict[str, Any]) -> Platform:
    return Platform((data.get('os') or '').lower(), (data.get('architecture') or '').lower(), (data.get('variant') or '').lower())


def is_attestation(entry: dict[str, Any]) -> bool:
    """True for a buildx attestation entry (not a runnable platform)."""
    annotations = entry.get('annotations') or {}
    if annotations.get(ATTESTATION_ANNOTATION) == 'attestation-manifest':
        return True
    platform = entry.get('platform') or {}
    return platform.get('os') == 'unknown' and platform.get('architecture') == 'unknown'


def attestations(entries: list[Any]) -> dict[str, str]:
    """``{platform manifest digest: its attestation manifest's digest}`` from an index's buildx attestation entries."""
    found: dict[str, str] = {}
    for entry in entries:
        subject = (entry.get('annotations') or {}).get(ATTESTATION_SUBJECT) if isinstance(entry, dict) else None
        if subject and is_attestation(entry) and isinstance(entry.get('digest'), str):
            found.setdefault(subject, entry['digest'])
    return found


def matches(platform: Platform | _All, data: dict[str, Any]) -> bool:
    """True when the config/platform dict ``data`` is ``platform`` (after normalising both); ALL matches anything."""
    return platform is ALL or from_descriptor(data) == platform


def platform_entries(entries: list[Any]) -> list[dict[str, Any]]:
    """Index entries that describe a runnable platform: a ``platform`` dict and not an attestation."""
    return [entry for entry in entries
            if isinstance(entry, dict) and isinstance(entry.get('platform'), dict) and not is_attestation(entry)]


def select_manifests(entries: list[Any], platforms: Sequence[Platform | _All]) \
        -> tuple[list[tuple[Platform | _All, dict[str, Any]]], list[Platform | _All]]:
    """Pick index entries for the requested platforms.

    ``entries`` is the ``manifests`` array of an OCI index or Docker manifest list; ``platforms`` a sequence of
    Platform or (ALL,). Returns ``(matched, unmatched)``: ``matched`` is a list of ``(Platform, entry)`` in request
    order (for ALL: every platform entry in index order), ``unmatched`` the requested platforms with no entry.
    For each request the first entry whose own fields are already canonical wins, then the first that matches
    after normalisation (so ``linux/arm64`` prefers an ``arm64`` entry over an ``arm64/v8`` one).
    """
    candidates = platform_entries(entries)
    if ALL in platforms:
        return [(from_descriptor(entry['platform']), entry) for entry in candidates], []
    matched: list[tuple[Platform | _All, dict[str, Any]]] = []
    unmatched: list[Platform | _All] = []
    for wanted in platforms:
        exact = [entry for entry in candidates if _raw(entry['platform']) == wanted]
        loose = [entry for entry in candidates if from_descriptor(entry['platform']) == wanted]
        if exact or loose:
            matched.append((wanted, (exact or loose)[0]))
        else:
            unmatched.append(wanted)
    return matched, unmatched
