# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Go's Regexp.Expand and ReplaceAllString: how replacementOCI and replacementArch turn an image into a URL.

Templates refer to the groups of a GoRegexp (_goregexp) as $1, ${1}, $name or ${name}; $$ is a "$".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ansible_collections.prewarm.harbor.plugins.module_utils._rules.goregexp import GoRegexp


class _Ref(NamedTuple):
    """A group reference in a template: its name, its number (-1 for a name that is not one) and its text."""

    name: str
    num: int
    text: str


def _is_name_char(char: str) -> bool:
    # Go: unicode.IsLetter || unicode.IsDigit || '_'; IsDigit is category Nd, IsLetter is L*.
    return char == '_' or unicodedata.category(char) in ('Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'Nd')


def _extract(template: str, pos: int) -> tuple[_Ref, int] | None:
    """Go's extract: the reference after a "$" at ``pos - 1``; returns (_Ref, next position) or None if malformed."""
    brace = template.startswith('{', pos)
    start = end = pos + 1 if brace else pos
    while end < len(template) and _is_name_char(template[end]):
        end += 1
    if end == start or (brace and not template.startswith('}', end)):
        return None
    name = template[start:end]
    after = end + 1 if brace else end
    # A group number: ASCII digits, no leading zero, at most 9 digits (Go stops counting at 1e8).
    num = -1
    if all('0' <= char <= '9' for char in name) and (name == '0' or not name.startswith('0')) and len(name) <= 9:
        num = int(name)
    return _Ref(name, num, template[pos - 1:after]), after


def parse_template(template: str) -> list[str | _Ref]:
    """Split a Go replacement template into literal strings and _Ref(name, num, text) references."""
    parts: list[str | _Ref] = []
    literal: list[str] = []
    pos = 0
    while True:
        dollar = template.find('$', pos)
        if dollar < 0:
            literal.append(template[pos:])
            break
        literal.append(template[pos:dollar])
        if template.startswith('$', dollar + 1):  # $$ is a literal $
            literal.append('$')
            pos = dollar + 2
            continue
        extracted = _extract(template, dollar + 1)
        if extracted is None:  # malformed: Go copies the $ and goes on
            literal.append('$')
            pos = dollar + 1
            continue
        ref, pos = extracted
        parts.extend((''.join(literal), ref))
        literal = []
    parts.append(''.join(literal))
    return [part for part in parts if part != '']


def _expand_parts(parts: Sequence[str | _Ref], match: re.Match[str], group_names: Sequence[str]) -> str:
    out: list[str] = []
    for part in parts:
        if not isinstance(part, _Ref):
            out.append(part)
        elif part.num >= 0:
            if part.num < len(group_names) and match.group(part.num) is not None:
                out.append(match.group(part.num))
        else:
            # Go takes the first group of that name that took part in the match.
            for index, name in enumerate(group_names):
                if name == part.name and match.group(index) is not None:
                    out.append(match.group(index))
                    break
    return ''.join(out)


def expand(template: str, match: re.Match[str], group_names: Sequence[str]) -> str:
    """Go's Regexp.Expand for a Python match; ``group_names`` is GoRegexp.subexp_names."""
    return _expand_parts(parse_template(template), match, group_names)


def replace_all(regex: GoRegexp, src: str, template: str) -> str:
    """Go's ReplaceAllString(src, template) for a GoRegexp.

    Unlike Python's re.sub, an empty match right after the previous match is not replaced: Go finds
    "x*" in "abxd" four times but replaces only at 0, 1, 2 and 4, giving "-a-b-d-" (re.sub: "-a-b--d-").
    """
    parts = parse_template(template)
    out: list[str] = []
    last_end = search_pos = 0
    while search_pos <= len(src):
        match = regex.regex.search(src, search_pos)
        if match is None:
            break
        start, end = match.span()
        out.append(src[last_end:start])
        if end > last_end or start == 0:
            out.append(_expand_parts(parts, match, regex.subexp_names))
        last_end = end
        # Always advance at least one character.
        search_pos = search_pos + 1 if end <= search_pos else end
    out.append(src[last_end:])
    return ''.join(out)


def template_problems(template: str, regex: GoRegexp) -> list[str]:
    """Group references in ``template`` that ``regex`` cannot fill, as messages (empty when all is well).

    Deliberate deviation from Go, which expands them to "": a reference to a missing group is always a
    configuration mistake, typically "$1x" (the group named "1x") meant as "${1}x".
    """
    problems: list[str] = []
    for ref in parse_template(template):
        if not isinstance(ref, _Ref):
            continue
        if ref.num >= 0 and ref.num > regex.num_subexp:
            problems.append('%s refers to group %d but the regular expression has only %d group(s)' % (ref.text, ref.num, regex.num_subexp))
        elif ref.num < 0 and ref.name not in regex.subexp_names:
            problems.append('%s refers to a group named "%s", which the regular expression does not have (Go would insert "")%s'
                            % (ref.text, ref.name, _braces_hint(ref.name, regex.num_subexp)))
    return problems


def _braces_hint(name: str, num_subexp: int) -> str:
    """For "$1x": suggest "${1}x", using the longest leading number that is an existing group."""
    for length in range(len(name) - 1, 0, -1):
        number, rest = name[:length], name[length:]
        if number.isdigit() and number.isascii() and (number == '0' or number[0] != '0') and int(number) <= num_subexp:
            return '; write ${%s}%s to use group %s followed by "%s"' % (number, rest, number, rest)
    return ''
