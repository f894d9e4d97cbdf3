# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Proxy-cache rules: which images a rule takes (a Go regex) and where their manifests are on the cache.

A rule is HarborProxyCachePopulator's: the first whose regexURL matches an image rewrites it with Go's
ReplaceAllString into the index URL (replacementOCI) and the per-platform URL (replacementArch, with the
ARCHDIGEST placeholder).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError, OptionError
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.goregexp import InvalidRegexp, translate_go_regex
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.gotemplate import replace_all, template_problems
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import (
    InvalidPlatform, Platform, _All, normalize, parse_platforms, KNOWN_ARCH, KNOWN_OS,
)
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.reference import MANIFESTS, InvalidManifestURL, ManifestURL, parse_manifest_url

ARCH_PLACEHOLDER = 'ARCHDIGEST'


class InvalidRule(OptionError):
    """A rule, or a HarborProxyCachePopulator configuration, that cannot be used."""


class RewriteError(ImageError):
    """A rule matched an image but produced a URL the client cannot use."""


# A rule's keys as the module's options name them; a configuration file may show them under other names.
OPTION_KEYS = {key: key for key in ('regex_url', 'replacement_oci', 'replacement_arch', 'target_os', 'target_arch',
                                    'target_variant', 'platforms', 'application_registry', 'replacement_upstream')}


class RuleMatch:
    """What a rule made of one image: the index/manifest URL, its parts, and the per-platform URL template."""

    __slots__ = ('image', 'manifest_url', 'base_url', 'repository', 'reference', 'arch_template', 'application_registry',
                 'upstream_url')

    def __init__(self, image: str, manifest_url: str, arch_template: str | None, application_registry: bool | None = None,  # pylint: disable=too-many-arguments
                 upstream_url: str | None = None) -> None:
        self.image = image
        self.manifest_url = manifest_url
        self.base_url, self.repository, self.reference = parse_manifest_url(manifest_url)
        self.arch_template = arch_template
        self.application_registry = application_registry  # the rule's say: look where the Pods pull (None: the call's)
        self.upstream_url = upstream_url  # the image's manifest URL at upstream (replacement_upstream), or None

    @property
    def index_only(self) -> bool:
        """True when the rule says to read only the first manifest (replacementArch: "")."""
        return self.arch_template is None

    def arch_url(self, digest: str) -> str:
        """URL of the platform manifest ``digest`` (every ARCHDIGEST replaced, as HarborProxyCachePopulator does)."""
        if self.arch_template is None:
            raise RewriteError('image "%s": the rule has an empty replacementArch, so there is no per-platform URL' % self.image)
        return self.arch_template.replace(ARCH_PLACEHOLDER, digest)

    def arch_location(self, digest: str) -> ManifestURL:
        """``arch_url(digest)`` split into ManifestURL(base_url, repository, reference)."""
        return parse_manifest_url(self.arch_url(digest))

    @property
    def repo(self) -> Repository:
        """The repository of ``manifest_url``."""
        return Repository(self.base_url, self.repository)

    @property
    def upstream(self) -> Repository | None:
        """The image's repository at upstream, where its referrers are listed; None when the rule does not say."""
        if self.upstream_url is None:
            return None
        base_url, repository, _reference = parse_manifest_url(self.upstream_url)
        return Repository(base_url, repository)

    def arch_repo(self, digest: str) -> tuple[Repository, str]:
        """Where the platform manifest ``digest`` is read: its repository and the reference there."""
        base_url, repository, reference = self.arch_location(digest)
        return Repository(base_url, repository), reference

    def __repr__(self) -> str:
        return 'RuleMatch(%r, %r, %r)' % (self.image, self.manifest_url, self.arch_template)


class Rule:
    """One proxy-cache rule: which images it takes (Go regex) and where their manifests are in the cache.

    ``label`` (e.g. ``proxyCaches[0]``) and ``keys`` (option name -> name shown) only shape error messages.
    ``platforms`` (a list of strings, or ["all"]) overrides target_os/target_arch/target_variant.
    """

    # One keyword per rule option (_argspec.RULE_OPTIONS, HarborProxyCachePopulator's keys), as a mapping spreads them.
    def __init__(self, regex_url: str, replacement_oci: str, replacement_arch: str | None = None,  # pylint: disable=too-many-arguments
                 target_os: str | None = None, target_arch: str | None = None, target_variant: str | None = None,
                 platforms: Sequence[str] | None = None, application_registry: bool | None = None,
                 replacement_upstream: str | None = None, label: str = 'rule', keys: Mapping[str, str] | None = None) -> None:
        self.label = label
        self.keys: Mapping[str, str] = keys or OPTION_KEYS
        for key, value in (('regex_url', regex_url), ('replacement_oci', replacement_oci)):
            if not isinstance(value, str) or not value:
                self.fail(key, 'required: give a non-empty string')
        for key, optional in (('replacement_arch', replacement_arch), ('target_os', target_os),
                              ('target_arch', target_arch), ('target_variant', target_variant),
                              ('replacement_upstream', replacement_upstream)):
            if optional is not None and not isinstance(optional, str):
                self.fail(key, 'must be a string, got %r' % (optional,))
        try:
            self.regex = translate_go_regex(regex_url)
        except InvalidRegexp as exc:
            self.fail('regex_url', str(exc))
        self.replacement_oci = replacement_oci
        self.check_template('replacement_oci', replacement_oci)
        self.replacement_arch = self.arch_template_for(replacement_arch)
        self.platforms = self.parse_platforms(target_os, target_arch, target_variant, platforms)
        if application_registry is not None and not isinstance(application_registry, bool):
            self.fail('application_registry', 'must be true (look for these images where the Pods pull them), false (never) '
                                              'or unset (as the call says), got %r' % (application_registry,))
        self.application_registry = application_registry
        if replacement_upstream is not None:
            self.check_template('replacement_upstream', replacement_upstream)
        self.replacement_upstream = replacement_upstream

    def fail(self, key: str, problem: str) -> NoReturn:
        raise InvalidRule('%s.%s: %s' % (self.label, self.keys[key], problem))

    def check_template(self, key: str, template: str) -> None:
        problems = template_problems(template, self.regex)
        if problems:
            self.fail(key, '"%s": %s' % (template, '; '.join(problems)))

    def arch_template_for(self, replacement_arch: str | None) -> str | None:
        """None (index only) for "", the derived template when unset, else the validated template."""
        if replacement_arch == '':
            return None
        if replacement_arch is None:
            cut = self.replacement_oci.rfind(MANIFESTS)
            if cut < 0:
                self.fail('replacement_oci', '"%s" has no "%s", so %s cannot be derived from it; set %s explicitly'
                          % (self.replacement_oci, MANIFESTS, self.keys['replacement_arch'], self.keys['replacement_arch']))
            return self.replacement_oci[:cut + len(MANIFESTS)] + ARCH_PLACEHOLDER
        if not replacement_arch.endswith(ARCH_PLACEHOLDER):
            self.fail('replacement_arch', '"%s" must end with %s (the platform manifest digest goes there), or be "" to read only the index'
                      % (replacement_arch, ARCH_PLACEHOLDER))
        self.check_template('replacement_arch', replacement_arch)
        return replacement_arch

    def parse_platforms(self, target_os: str | None, target_arch: str | None, target_variant: str | None,
                        platforms: Sequence[str] | None) -> tuple[Platform | _All, ...]:
        if platforms is not None:
            try:
                return parse_platforms(platforms)
            except InvalidPlatform as exc:
                self.fail('platforms', str(exc))
        platform = normalize(target_os or 'linux', target_arch or 'amd64', target_variant or '')
        if platform.os not in KNOWN_OS:
            self.fail('target_os', '"%s" is not an operating system Go knows (e.g. linux, windows)' % target_os)
        if platform.architecture not in KNOWN_ARCH:
            self.fail('target_arch', '"%s" is not an architecture Go knows (e.g. amd64, arm64, arm)' % target_arch)
        return (platform,)

    @classmethod
    def from_dict(cls, data: Any, label: str = 'rule', keys: Mapping[str, str] | None = None) -> Rule:
        """Build from a dict keyed like ``keys`` (OPTION_KEYS by default); unknown keys are errors."""
        keys = keys or OPTION_KEYS
        if not isinstance(data, dict):
            raise InvalidRule('%s must be a mapping with %s, got %r' % (label, ', '.join(keys.values()), data))
        shown_to_option = {shown: option for option, shown in keys.items()}
        for key in data:
            if key not in shown_to_option:
                raise InvalidRule('%s: unknown key "%s"%s' % (label, key, did_you_mean(str(key), shown_to_option)))
        values = {shown_to_option[key]: value for key, value in data.items()}
        return cls(label=label, keys=keys, **values)

    def apply(self, image: str) -> RuleMatch | None:
        """None if the regex does not match ``image`` (Go's MatchString), else a RuleMatch.

        Raises RewriteError when the rewritten URL is not a registry manifest URL.
        """
        if not self.regex.match_string(image):
            return None
        manifest_url = replace_all(self.regex, image, self.replacement_oci)
        arch_template = None
        if self.replacement_arch is not None:
            arch_template = replace_all(self.regex, image, self.replacement_arch)
        upstream_url = replace_all(self.regex, image, self.replacement_upstream) if self.replacement_upstream else None
        try:
            result = RuleMatch(image, manifest_url, arch_template, self.application_registry, upstream_url)
            if arch_template is not None:
                if not arch_template.endswith(MANIFESTS + ARCH_PLACEHOLDER):
                    raise RewriteError('the platform manifest URL "%s" does not end with %s%s (ReplaceAllString keeps the text the '
                                       'regular expression did not match: anchor it with ^...$)' % (arch_template, MANIFESTS, ARCH_PLACEHOLDER))
                result.arch_location('sha256:' + '0' * 64)
            if upstream_url is not None:
                parse_manifest_url(upstream_url)
        except (RewriteError, InvalidManifestURL) as exc:
            raise RewriteError('image "%s" matched %s (%s "%s") but the rewritten URL is unusable: %s; fix the rule or the image name'
                               % (image, self.label, self.keys['regex_url'], self.regex.pattern, exc)) from exc
        return result

    def __repr__(self) -> str:
        return 'Rule(%r, %r, %r, platforms=%r)' % (self.regex.pattern, self.replacement_oci, self.replacement_arch, self.platforms)


def did_you_mean(key: str, known: Iterable[str]) -> str:
    # Compare without case and "_" so regexUrl, regex_url and REGEXURL all point at regexURL.
    folded = {name.lower().replace('_', ''): name for name in known}
    close = difflib.get_close_matches(key.lower().replace('_', ''), list(folded), n=1)
    hint = ' (did you mean "%s"?)' % folded[close[0]] if close else ''
    return '%s; known keys: %s' % (hint, ', '.join(sorted(known)))


def rules_from_options(items: Any, option: str = 'rules') -> list[Rule]:
    """Rules from the module option (a list of dicts with OPTION_KEYS names)."""
    if not isinstance(items, (list, tuple)) or not items:
        raise InvalidRule('%s must be a non-empty list of rules' % option)
    return [Rule.from_dict(item, label='%s[%d]' % (option, index)) for index, item in enumerate(items)]


def match_rule(rules: Sequence[Rule], image: str) -> tuple[int, Rule, RuleMatch] | None:
    """First rule whose regex matches ``image``: ``(index, rule, RuleMatch)``, or None."""
    for index, rule in enumerate(rules):
        result = rule.apply(image)
        if result is not None:
            return index, rule, result
    return None
