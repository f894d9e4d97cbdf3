# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""The globs of Harbor's replication filters: bmatcuk/doublestar v1 (src/pkg/reg/util/pattern.go:Match).

``*`` and ``?`` stay within one path component, ``**`` crosses ``/``, ``[...]`` is a class (``!`` or ``^`` negates),
``{a,b}`` are alternatives, ``\\`` escapes; an empty pattern matches everything. doublestar v1 splits the pattern at
every ``/`` first, so alternatives spanning a ``/`` make a bad pattern, which Harbor's filter reports as an error: it
matches nothing here (docs/harbor.md 11.2 step 2).
"""

from __future__ import annotations

import re
from functools import lru_cache


def glob_match(pattern: str, text: str) -> bool:
    """Whether ``text`` (a repository name or a tag, "" for an untagged artifact) matches Harbor's filter ``pattern``."""
    return not pattern or _compiled(pattern).fullmatch(text) is not None


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern:
    try:
        return re.compile(_translate(pattern, 0, '')[0])
    except ValueError:
        return re.compile('(?!)')  # a bad pattern: Harbor's filter errs, so nothing passes


def _translate(pattern: str, at: int, stop: str) -> tuple[str, int]:
    """Regex for ``pattern[at:]`` up to an unnested character of ``stop``; returns it and where it ended."""
    out = []
    while at < len(pattern) and pattern[at] not in stop:
        char = pattern[at]
        if char == '\\' and at + 1 < len(pattern):
            out.append(re.escape(pattern[at + 1]))
            at += 2
        elif pattern.startswith('**/', at):
            out.append('(?:.*/)?')
            at += 3
        elif pattern.startswith('**', at):
            out.append('.*')
            at += 2
        elif char == '*':
            out.append('[^/]*')
            at += 1
        elif char == '?':
            out.append('[^/]')
            at += 1
        elif char == '[' and ']' in pattern[at + 1:]:
            end = pattern.index(']', at + 2 if pattern[at + 1:at + 2] in ('!', '^') else at + 1)
            body = pattern[at + 1:end]
            negated = body[:1] in ('!', '^')
            body = body[1:] if negated else body
            out.append('[%s%s]' % ('^/' if negated else '', body.replace('\\', '\\\\')))
            at = end + 1
        elif char == '{':
            alternatives = []
            at += 1
            while True:
                regex, at = _translate(pattern, at, ',}/')
                if pattern[at:at + 1] == '/':
                    raise ValueError('alternatives across a "/" in %r' % pattern)
                alternatives.append(regex)
                if at >= len(pattern) or pattern[at] == '}':
                    at += 1
                    break
                at += 1  # the comma
            out.append('(?:%s)' % '|'.join(alternatives))
        else:
            out.append(re.escape(char))
            at += 1
    return ''.join(out), at
