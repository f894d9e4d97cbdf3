# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
r"""Go (RE2) regular expressions run by Python's re: what the HarborProxyCachePopulator's regexURL means.

The translator walks the Go pattern once and emits Python syntax that does not depend on Python's
global flags: Go's flags (i, m, s, U) are tracked here, "." / "^" / "$" / \b are spelled out, named
groups become plain groups (Go allows names Python refuses, like "1x", and duplicate names), and the
names are kept in GoRegexp.subexp_names like Go's Regexp.SubexpNames(). Case-insensitive atoms are
wrapped one by one in (?i:...), so a mid-pattern (?i) needs no restructuring of alternations.
Not supported: Unicode classes \pN / \p{Greek} (valid RE2, but Python's re has no \p); under (?i),
case folding is Python's, which may differ from Go's for a few non-ASCII characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NoReturn

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import OptionError


class InvalidRegexp(OptionError):
    """A Go regular expression that Go would refuse, or that Python's re cannot run the same way."""


_MAX_RUNE = 0x10FFFF
_DIGIT = ((0x30, 0x39),)
_SPACE = ((0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20))
_WORD = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_PERL_CLASSES = {'d': _DIGIT, 's': _SPACE, 'w': _WORD}
_POSIX_CLASSES = {
    'alnum': ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    'alpha': ((0x41, 0x5A), (0x61, 0x7A)),
    'ascii': ((0x00, 0x7F),),
    'blank': ((0x09, 0x09), (0x20, 0x20)),
    'cntrl': ((0x00, 0x1F), (0x7F, 0x7F)),
    'digit': _DIGIT,
    'graph': ((0x21, 0x7E),),
    'lower': ((0x61, 0x7A),),
    'print': ((0x20, 0x7E),),
    'punct': ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    'space': ((0x09, 0x0D), (0x20, 0x20)),
    'upper': ((0x41, 0x5A),),
    'word': _WORD,
    'xdigit': ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}
_C_ESCAPES = {'a': 7, 'f': 12, 'n': 10, 'r': 13, 't': 9, 'v': 11}
_GO_FLAGS = 'imsU'
# Go's {n}, {n,}, {n,m}; numbers with a leading zero make the "{" a literal, as in Go.
_REPEAT_RE = re.compile(r'\{(0|[1-9][0-9]*)(?:(,)(0|[1-9][0-9]*)?)?\}')
_HEX_RE = re.compile(r'\{([0-9A-Fa-f]+)\}|([0-9A-Fa-f]{2})')
_OCTAL_RE = re.compile(r'[0-7]{1,3}')
_GROUP_NAME_RE = re.compile(r'[A-Za-z0-9_]+')
_UNICODE_CLASS_RE = re.compile(r'\\[pP](?:\{[^}]*\}|.?)')
_NO_LOOKAROUND = 'RE2 (Go regexp) has no lookahead or lookbehind; match the text itself and capture what you need with a group'
_NO_BACKREF = 'RE2 (Go regexp) has no backreferences; capture the text with a group and use $1 in the replacement instead'
_UNSUPPORTED_GROUPS = (
    ('(?<=', 'lookbehind (?<=...) is not supported: ' + _NO_LOOKAROUND),
    ('(?<!', 'negative lookbehind (?<!...) is not supported: ' + _NO_LOOKAROUND),
    ('(?=', 'lookahead (?=...) is not supported: ' + _NO_LOOKAROUND),
    ('(?!', 'negative lookahead (?!...) is not supported: ' + _NO_LOOKAROUND),
    ('(?P=', 'backreference (?P=name) is not supported: ' + _NO_BACKREF),
    ('(?>', 'atomic group (?>...) is not supported: RE2 (Go regexp) has no atomic groups; use (?:...)'),
    ('(?(', 'conditional (?(...)...) is not supported: RE2 (Go regexp) has no conditionals; use alternation a|b'),
    ('(?#', 'comment (?#...) is not supported: RE2 (Go regexp) has no inline comments; remove it'),
)
_ESCAPE_HINTS = {
    'Z': '\\Z is not valid in RE2 (Go regexp); use \\z (or $ without (?m)) for the end of the text',
    'k': 'named backreference \\k is not supported: ' + _NO_BACKREF,
    'g': 'backreference \\g is not supported: ' + _NO_BACKREF,
    'C': '\\C (any byte) is not supported by Go regexp; use . instead',
    'b': '\\b inside a character class is not valid in RE2 (Go regexp); write \\x08 for a backspace',
}
# Escapes that are not single characters outside a class: (Python text, is a bare anchor).
_ESCAPE_ASSERTIONS = {'A': ('\\A', True), 'z': ('\\Z', True), 'b': ('(?a:\\b)', False), 'B': ('(?a:\\B)', False)}


def _complement(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    result: list[tuple[int, int]] = []
    low = 0
    for start, end in sorted(ranges):
        if start > low:
            result.append((low, start - 1))
        low = max(low, end + 1)
    if low <= _MAX_RUNE:
        result.append((low, _MAX_RUNE))
    return tuple(result)


def _py_char(code: int) -> str:
    """One code point as Python pattern text that is literal both inside and outside [...]."""
    char = chr(code)
    if char.isascii() and char.isalnum():
        return char
    if code < 0x100:
        return '\\x%02x' % code
    if code < 0x10000:
        return '\\u%04x' % code
    return '\\U%08x' % code


def _py_class(ranges: Iterable[tuple[int, int]], negate: bool = False) -> str:
    body = ''.join(_py_char(lo) if lo == hi else _py_char(lo) + '-' + _py_char(hi) for lo, hi in ranges)
    return '[' + ('^' if negate else '') + body + ']'


class GoRegexp:
    """A Go regular expression compiled to Python's re.

    ``pattern`` is the Go source, ``regex`` the compiled Python pattern (its groups are unnamed and numbered
    as in Go), ``subexp_names`` Go's SubexpNames(): index 0 is the whole match, '' for unnamed groups.
    """

    __slots__ = ('pattern', 'regex', 'subexp_names')

    def __init__(self, pattern: str, regex: re.Pattern[str], subexp_names: Sequence[str]) -> None:
        self.pattern = pattern
        self.regex = regex
        self.subexp_names = tuple(subexp_names)

    @property
    def num_subexp(self) -> int:
        return len(self.subexp_names) - 1

    def match_string(self, text: str) -> bool:
        """Go's MatchString: does the expression match anywhere in ``text``?"""
        return self.regex.search(text) is not None

    def __repr__(self) -> str:
        return 'GoRegexp(%r)' % self.pattern


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.pos = 0
        self.out: list[str] = []
        self.names = ['']
        self.flags: frozenset[str] = frozenset()
        self.groups: list[tuple[frozenset[str], int]] = []  # (flags before the group, index in out of its "(")
        self.atom: int | None = None            # index in out of the last atom a repetition may apply to
        self.atom_is_anchor = False  # Python refuses to repeat a bare anchor: wrap it first
        self.after_repeat = False

    def fail(self, problem: str) -> NoReturn:
        raise InvalidRegexp('regular expression "%s": %s (at offset %d)' % (self.src, problem, self.pos))

    # -- emission ----------------------------------------------------------------------------
    def emit_atom(self, text: str, folds: bool = False, anchor: bool = False) -> None:
        if folds and 'i' in self.flags:
            text = '(?i:' + text + ')'
        self.atom = len(self.out)
        self.atom_is_anchor = anchor
        self.after_repeat = False
        self.out.append(text)

    def emit_other(self, text: str) -> None:
        self.out.append(text)
        self.atom = None
        self.after_repeat = False

    # -- driver --------------------------------------------------------------------------------
    def translate(self) -> GoRegexp:
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if char == '(':
                self.open_group()
            elif char == ')':
                self.close_group()
            elif char == '|':
                self.pos += 1
                self.emit_other('|')
            elif char in '*+?{':
                self.repeat()
            elif char == '[':
                self.char_class()
            elif char == '\\':
                self.escape()
            elif char == '.':
                self.pos += 1
                self.emit_atom('(?s:.)' if 's' in self.flags else '[^\\n]')
            elif char == '^':
                self.pos += 1
                self.emit_atom('(?m:^)' if 'm' in self.flags else '\\A', anchor='m' not in self.flags)
            elif char == '$':
                # Go's $ without (?m) is end of text; Python's $ would also match before a final newline.
                self.pos += 1
                self.emit_atom('(?m:$)' if 'm' in self.flags else '\\Z', anchor='m' not in self.flags)
            else:
                self.pos += 1
                self.emit_atom(_py_char(ord(char)), folds=True)
        if self.groups:
            self.pos = len(src)
            self.fail('missing closing ")"')
        python = ''.join(self.out)
        try:
            compiled = re.compile(python)
        except re.error as exc:  # a construct this translator let through by mistake
            raise InvalidRegexp('regular expression "%s": cannot be translated to Python (%s as %r)' % (src, exc, python)) from exc
        return GoRegexp(src, compiled, self.names)

    # -- groups and flags ------------------------------------------------------------------------
    def open_group(self) -> None:
        src, start = self.src, self.pos
        if not src.startswith('(?', start):
            self.pos += 1
            self.push_group('(')
            self.names.append('')
            return
        for prefix, problem in _UNSUPPORTED_GROUPS:
            if src.startswith(prefix, start):
                self.fail(problem)
        for prefix in ('(?P<', '(?<'):
            if src.startswith(prefix, start):
                end = src.find('>', start)
                name = src[start + len(prefix):end] if end >= 0 else ''
                if end < 0 or not _GROUP_NAME_RE.fullmatch(name):
                    self.fail('invalid group name in %s...>: Go allows letters, digits and "_"' % prefix)
                self.pos = end + 1
                self.push_group('(')
                self.names.append(name)
                return
        self.flag_group()

    def flag_group(self) -> None:
        """(?flags) or (?flags:...), flags being i, m, s, U with an optional "-" part."""
        src, flags, negate, seen = self.src, set(self.flags), False, False
        pos = self.pos + 2
        while pos < len(src):
            char = src[pos]
            pos += 1
            if char in _GO_FLAGS:
                (flags.discard if negate else flags.add)(char)
                seen = True
            elif char == '-' and not negate:
                negate, seen = True, False
            elif char in ':)' and (seen or not negate):
                self.pos = pos
                if char == ':':
                    self.push_group('(?:')
                else:
                    self.atom, self.after_repeat = None, False
                self.flags = frozenset(flags)
                return
            else:
                if char.isalpha():
                    self.pos = pos - 1
                    self.fail('flag "%s" is not supported: Go regexp knows only the flags i, m, s and U' % char)
                break
        self.fail('invalid or unsupported group syntax "%s"' % src[self.pos:pos])

    def push_group(self, text: str) -> None:
        self.groups.append((self.flags, len(self.out)))
        self.emit_other(text)

    def close_group(self) -> None:
        if not self.groups:
            self.fail('unexpected ")" without a matching "("')
        self.pos += 1
        self.flags, start = self.groups.pop()
        self.out.append(')')
        self.atom, self.atom_is_anchor, self.after_repeat = start, False, False

    # -- repetition ------------------------------------------------------------------------------
    def repeat(self) -> None:
        src, start = self.src, self.pos
        char = src[start]
        if char == '{':
            match = _REPEAT_RE.match(src, start)
            if match is None:  # Go reads a "{" that starts no valid {n,m} as a literal
                self.pos += 1
                self.emit_atom('\\{')
                return
            low, _comma, high = match.groups()
            if int(low) > 1000 or (high is not None and (int(high) > 1000 or int(low) > int(high))):
                self.fail('invalid repeat count %s: Go allows at most 1000 and needs min <= max' % match.group(0))
            op, self.pos = match.group(0), match.end()
        else:
            op, self.pos = char, start + 1
        lazy = src.startswith('?', self.pos)
        if lazy:
            self.pos += 1
        if self.after_repeat:
            if char == '+':
                self.fail('possessive quantifier "%s+" is not supported: RE2 (Go regexp) has no possessive quantifiers; drop the "+"'
                          % self.out[-1])
            self.fail('nested repetition "%s" is not allowed in Go; group the inner part with (?:...) first' % src[start:self.pos])
        if self.atom is None:
            self.fail('missing argument to repetition operator "%s"' % src[start:self.pos])
        if self.atom_is_anchor:
            self.out[self.atom] = '(?:' + self.out[self.atom] + ')'
            self.atom_is_anchor = False
        if lazy != ('U' in self.flags):  # (?U) swaps greedy and lazy
            op += '?'
        self.out.append(op)
        self.after_repeat = True

    # -- character classes -----------------------------------------------------------------------
    def char_class(self) -> None:
        src, start = self.src, self.pos
        pos = start + 1
        negate = src.startswith('^', pos)
        if negate:
            pos += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            if pos >= len(src):
                self.pos = start
                self.fail('missing closing "]" for the character class')
            if src[pos] == ']' and not first:
                break
            first = False
            # [:name:] (Go looks for the next ":]"; without one, "[" is an ordinary character).
            close = src.find(':]', pos + 2) if src.startswith('[:', pos) else -1
            if close >= 0:
                end = close + 2
                name = src[pos + 2:close]
                negated = name.startswith('^')
                posix = _POSIX_CLASSES.get(name[1:] if negated else name)
                if posix is None:
                    self.pos = pos
                    self.fail('unknown POSIX class "%s": use one of %s' % (src[pos:end], ', '.join('[:%s:]' % n for n in sorted(_POSIX_CLASSES))))
                ranges.extend(_complement(posix) if negated else posix)
                pos = end
                continue
            if src.startswith('\\', pos) and pos + 1 < len(src) and src[pos + 1] in 'dDsSwWpP':
                self.pos = pos
                ranges.extend(self.perl_class(src[pos + 1]))
                pos += 2
                continue
            low, pos = self.class_char(pos)
            high = low
            if src.startswith('-', pos) and pos + 1 < len(src) and src[pos + 1] != ']':
                high, pos = self.class_char(pos + 1)
                if high < low:
                    self.pos = start
                    self.fail('invalid character class range %s-%s' % (chr(low), chr(high)))
            ranges.append((low, high))
        self.pos = pos + 1
        self.emit_atom(_py_class(ranges, negate), folds=True)

    def class_char(self, pos: int) -> tuple[int, int]:
        if self.src[pos] == '\\':
            self.pos = pos
            return self.single_escape()
        return ord(self.src[pos]), pos + 1

    def perl_class(self, letter: str) -> tuple[tuple[int, int], ...]:
        if letter in 'pP':
            match = _UNICODE_CLASS_RE.match(self.src, self.pos)
            self.fail('Unicode class %s is valid RE2 but not supported here (Python re has no \\p); use an explicit range such as [A-Za-z]'
                      % (match.group(0) if match else '\\' + letter))
        ranges = _PERL_CLASSES[letter.lower()]
        return _complement(ranges) if letter.isupper() else ranges

    # -- escapes -------------------------------------------------------------------------------
    def escape(self) -> None:
        src, pos = self.src, self.pos
        letter = src[pos + 1] if pos + 1 < len(src) else ''
        if letter in _ESCAPE_ASSERTIONS:
            self.pos += 2
            text, anchor = _ESCAPE_ASSERTIONS[letter]
            self.emit_atom(text, anchor=anchor)
        elif letter == 'Q':
            # \Q...\E: literal text up to \E or the end of the pattern.
            end = src.find('\\E', pos + 2)
            literal = src[pos + 2:] if end < 0 else src[pos + 2:end]
            self.pos = len(src) if end < 0 else end + 2
            for char in literal:
                self.emit_atom(_py_char(ord(char)), folds=True)
        elif letter and letter in 'dDsSwWpP':
            ranges = self.perl_class(letter)
            self.pos += 2
            self.emit_atom(_py_class(ranges), folds=True)
        else:
            code, self.pos = self.single_escape()
            self.emit_atom(_py_char(code), folds=True)

    def single_escape(self) -> tuple[int, int]:
        """Go's parseEscape: an escaped single character; returns (code point, position after it)."""
        src, pos = self.src, self.pos
        if pos + 1 >= len(src):
            self.fail('trailing backslash at the end of the expression')
        octal = _OCTAL_RE.match(src, pos + 1)
        # Go: \0 and \1..\7 followed by another octal digit are octal escapes (up to 3 digits); \1 alone is a backreference.
        if octal and (octal.group(0)[0] == '0' or len(octal.group(0)) > 1):
            return int(octal.group(0), 8), octal.end()
        char, pos = src[pos + 1], pos + 2
        if char in '123456789':
            self.fail('backreference \\%s is not supported: %s' % (char, _NO_BACKREF))
        if char == 'x':
            hex_match = _HEX_RE.match(src, pos)
            if hex_match and int(hex_match.group(1) or hex_match.group(2), 16) <= _MAX_RUNE:
                return int(hex_match.group(1) or hex_match.group(2), 16), hex_match.end()
            self.fail('invalid hexadecimal escape: use \\xHH or \\x{H...} up to 10FFFF')
        if char in _C_ESCAPES:
            return _C_ESCAPES[char], pos
        if char.isascii() and not char.isalnum():
            return ord(char), pos
        if char in _ESCAPE_HINTS:
            self.fail(_ESCAPE_HINTS[char])
        return self.fail('invalid escape sequence \\%s (Go regexp rejects it too)' % char)


def translate_go_regex(pattern: str) -> GoRegexp:
    """Translate a Go (RE2) regular expression; return a GoRegexp. Raises InvalidRegexp naming the pattern."""
    if not isinstance(pattern, str):
        raise InvalidRegexp('regular expression %r: expected a string' % (pattern,))
    return _Translator(pattern).translate()
