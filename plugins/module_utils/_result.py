# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""What the module reports for one image: made from its target (``Target.result``), filled in by the warm,
serialised once.

Who decides each status: ``unmatched`` and an invalid reference's ``failed``, the target (_rules.target); ``warmed``
or ``cached``, the image's warm (_warm.image: ``cached`` when Harbor had committed all of it before); ``would_warm``
or ``cached`` in check mode, the cache's flavour (_harbor.flavor: ``dry_run``); any other ``failed``, an ImageError.
The module's RETURN (``images[]``) documents exactly what ``ImageResult.as_dict`` gives.
"""

from __future__ import annotations

from typing import Any

WARMED, CACHED, WOULD_WARM, UNMATCHED, FAILED = 'warmed', 'cached', 'would_warm', 'unmatched', 'failed'
STATUSES = (WARMED, CACHED, WOULD_WARM, UNMATCHED, FAILED)


class PlatformResult:
    """One selected platform of an image: ``platform`` is ``os/arch[/variant]`` (a single-platform image's is known
    once its config is read).

    A warm fills ``digest``, ``attestation`` and the counts; check mode gives ``status`` (and the committed
    ``digest``, on Harbor). Keys left None are not reported.
    """

    __slots__ = ('platform', 'status', 'digest', 'attestation', 'blobs', 'bytes', 'bytes_pulled', 'blobs_pulled', 'bytes_stored',
                 'blobs_stored')
    platform: str | None
    status: str | None
    digest: str | None
    attestation: str | None
    blobs: int | None
    bytes: int | None
    bytes_pulled: int | None
    blobs_pulled: int | None
    bytes_stored: int | None
    blobs_stored: int | None

    def __init__(self, platform: str | None = None, status: str | None = None, digest: str | None = None) -> None:
        for key in self.__slots__:
            setattr(self, key, None)
        self.platform, self.status, self.digest = platform, status, digest

    def as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__slots__ if getattr(self, key) is not None}


class SignatureResult:
    """One signature manifest of a digest the image resolves to (_warm.signatures): the ``subject`` digest it signs,
    its ``kind`` (``sig``, ``att``, ``referrers``), its own ``digest`` and ``artifact_type`` (a referrer's), its
    ``status`` (``warmed``, ``cached``, ``would_warm``, or ``failed`` with why in ``note``: the image's status
    stands), whether Harbor has ``committed`` it (None, not reported, on a plain proxy, which cannot tell), and, when
    it cannot match offline, ``verifies_offline`` false with a ``note``."""

    __slots__ = ('subject', 'kind', 'digest', 'artifact_type', 'status', 'committed', 'verifies_offline', 'note')
    subject: str
    kind: str
    digest: str | None
    artifact_type: str | None
    status: str | None
    committed: bool | None
    verifies_offline: bool | None
    note: str | None

    def __init__(self, subject: str, kind: str, digest: str | None = None, artifact_type: str | None = None) -> None:
        for key in self.__slots__:
            setattr(self, key, None)
        self.subject, self.kind, self.digest, self.artifact_type = subject, kind, digest, artifact_type

    def fail(self, note: str) -> None:
        """This signature's problem, never the image's: said in ``note``, and warned of (_populate.outcome)."""
        self.status, self.committed, self.note = FAILED, None, note

    def as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__slots__ if getattr(self, key) is not None}


class ImageResult:
    """One image: its ``status`` (None while it is still to be warmed), whether the cache ``changed``, the ``rule``
    that matched (its index) and the ``manifest_url`` it made, the top manifest's ``digest`` and ``media_type``, its
    ``platforms`` (PlatformResult), the ``signatures`` found for it (SignatureResult; None when none were asked for),
    Harbor's commit block (``harbor``, _harbor.waiting.commit_block), the image's own reference judged where the Pods
    pull it (``application_registry``, _warm.app_registry.judge), the requests ``retries`` (None for an image no
    request was sent for), ``msg`` and ``seconds``."""

    __slots__ = ('image', 'status', 'changed', 'rule', 'manifest_url', 'digest', 'media_type', 'platforms', 'signatures', 'harbor',
                 'application_registry', 'retries', 'msg', 'seconds')
    _ALWAYS = ('image', 'status', 'changed', 'rule', 'manifest_url', 'digest')
    image: str
    status: str | None
    changed: bool
    rule: int | None
    manifest_url: str | None
    digest: str | None
    media_type: str | None
    platforms: list[PlatformResult]
    signatures: list[SignatureResult] | None
    harbor: dict[str, Any] | None
    application_registry: dict[str, Any] | None
    retries: int | None
    msg: str | None
    seconds: float | None

    def __init__(self, image: str, rule: int | None = None, manifest_url: str | None = None) -> None:
        for key in self.__slots__:
            setattr(self, key, None)
        self.image, self.rule, self.manifest_url = image, rule, manifest_url
        self.changed = False
        self.platforms = []

    def finish(self, status: str) -> None:
        """Done without a problem: the cache changed (or, in check mode, would) unless all was there."""
        self.status = status
        self.changed = status in (WARMED, WOULD_WARM)

    def fail(self, msg: str, changed: bool = False) -> None:
        """``changed``: what the image did to the cache before it failed, when that is known to matter."""
        self.status = FAILED
        self.changed = changed
        self.msg = msg

    def as_dict(self) -> dict[str, Any]:
        result = {key: getattr(self, key) for key in self._ALWAYS}
        result['platforms'] = [platform.as_dict() for platform in self.platforms]
        if self.signatures is not None:
            result['signatures'] = [signature.as_dict() for signature in self.signatures]
        for key in ('media_type', 'harbor', 'application_registry', 'retries', 'msg', 'seconds'):
            value = getattr(self, key)
            if value is not None:
                result[key] = dict(value) if isinstance(value, dict) else value
        return result
