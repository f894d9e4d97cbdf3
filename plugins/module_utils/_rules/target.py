# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""From image references to targets: validate each reference, apply the first matching rule.

All of this happens before any network traffic, so a bad reference or a rule that rewrites to
an unusable URL fails that image alone, at once, with a message naming it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import Platform, _All
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.reference import parse_reference
from ansible_collections.prewarm.harbor.plugins.module_utils._result import UNMATCHED, ImageResult
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.rule import Rule, RuleMatch, match_rule


class Target:
    """One image and where to warm it: the rule's match (a _rules.RuleMatch) and the platforms wanted."""

    def __init__(self, image: str, rule_index: int | None = None, match: RuleMatch | None = None,
                 platforms: Sequence[Platform | _All] = (), problem: str | None = None) -> None:
        self.image = image
        self.rule_index = rule_index
        self.match = match
        self.platforms = platforms
        self.problem = problem

    def result(self) -> ImageResult:
        """The ImageResult as planning leaves it: final for unmatched and invalid images."""
        result = ImageResult(self.image, self.rule_index, self.match.manifest_url if self.match else None)
        if self.problem:
            result.fail(self.problem)
        elif self.match is None:
            result.status = UNMATCHED
            result.msg = 'no rule matches %s: it is not warmed; add a rule if it should be' % self.image
        return result


def targets_for(images: Sequence[str], rules: Sequence[Rule], platforms: Sequence[Platform | _All] | None = None) -> list[Target]:
    """A Target per image, in order; ``platforms`` (parsed) overrides every rule's own."""
    return [_target(image, rules, platforms) for image in images]


def _target(image: str, rules: Sequence[Rule], platforms: Sequence[Platform | _All] | None) -> Target:
    try:
        parse_reference(image)
        found = match_rule(rules, image)
    except ImageError as exc:
        return Target(image, problem=str(exc))
    if found is None:
        return Target(image)
    index, rule, match = found
    return Target(image, index, match, platforms or rule.platforms)
