# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Rewrite rules: Go (RE2) regular expressions run by Python's re with Go's ReplaceAllString
# semantics, the ARCHDIGEST placeholder, and the seed plugin's YAML configuration.

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import difflib
import re
import unicodedata
from collections import namedtuple

from urllib.parse import urlsplit

from ansible_collections.prewarm.harbor.plugins.module_utils._platform import (
    InvalidPlatform, normalize, parse_platforms, KNOWN_ARCH, KNOWN_OS,
)
from ansible_collections.prewarm.harbor.plugins.module_utils._reference import digest_problem, is_repository_path, is_tag

ARCH_PLACEHOLDER = 'ARCHDIGEST'
_MANIFESTS = '/manifests/'


class InvalidRule(ValueError):
    """A rule, a regular expression, a template or a seed configuration that cannot be used."""


class RewriteError(InvalidRule):
    """A rule matched an image but produced a URL the client cannot use (a per-image error)."""


# ---------------------------------------------------------------------------------------------
# Go RE2 syntax -> Python re.
#
# The translator walks the Go pattern once and emits Python syntax that does not depend on Python's
# global flags: Go's flags (i, m, s, U) are tracked here, "." / "^" / "$" / \b are spelled out, named
# groups become plain groups (Go allows names Python refuses, like "1x", and duplicate names), and the
# names are kept in GoRegexp.subexp_names like Go's Regexp.SubexpNames(). Case-insensitive atoms are
# wrapped one by one in (?i:...), so a mid-pattern (?i) needs no restructuring of alternations.
# Not supported: Unicode classes \pN / \p{Greek} (valid RE2, but Python's re has no \p); under (?i),
# case folding is Python's, which may differ from Go's for a few non-ASCII characters.
# ---------------------------------------------------------------------------------------------

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


def _complement(ranges):
    result, low = [], 0
    for start, end in sorted(ranges):
        if start > low:
            result.append((low, start - 1))
        low = max(low, end + 1)
    if low <= _MAX_RUNE:
        result.append((low, _MAX_RUNE))
    return tuple(result)


def _py_char(code):
    """One code point as Python pattern text that is literal both inside and outside [...]."""
    char = chr(code)
    if char.isascii() and char.isalnum():
        return char
    if code < 0x100:
        return '\\x%02x' % code
    if code < 0x10000:
        return '\\u%04x' % code
    return '\\U%08x' % code


def _py_class(ranges, negate=False):
    body = ''.join(_py_char(lo) if lo == hi else _py_char(lo) + '-' + _py_char(hi) for lo, hi in ranges)
    return '[' + ('^' if negate else '') + body + ']'


class GoRegexp(object):
    """A Go regular expression compiled to Python's re.

    ``pattern`` is the Go source, ``regex`` the compiled Python pattern (its groups are unnamed and numbered
    as in Go), ``subexp_names`` Go's SubexpNames(): index 0 is the whole match, '' for unnamed groups.
    """

    __slots__ = ('pattern', 'regex', 'subexp_names')

    def __init__(self, pattern, regex, subexp_names):
        self.pattern = pattern
        self.regex = regex
        self.subexp_names = tuple(subexp_names)

    @property
    def num_subexp(self):
        return len(self.subexp_names) - 1

    def match_string(self, text):
        """Go's MatchString: does the expression match anywhere in ``text``?"""
        return self.regex.search(text) is not None

    def __repr__(self):
        return 'GoRegexp(%r)' % self.pattern


class _Translator(object):
    def __init__(self, pattern):
        self.src = pattern
        self.pos = 0
        self.out = []
        self.names = ['']
        self.flags = frozenset()
        self.groups = []            # (flags before the group, index in out of its "(")
        self.atom = None            # index in out of the last atom a repetition may apply to
        self.atom_is_anchor = False  # Python refuses to repeat a bare anchor: wrap it first
        self.after_repeat = False

    def fail(self, problem):
        raise InvalidRule('regular expression "%s": %s (at offset %d)' % (self.src, problem, self.pos))

    # -- emission ----------------------------------------------------------------------------
    def emit_atom(self, text, folds=False, anchor=False):
        if folds and 'i' in self.flags:
            text = '(?i:' + text + ')'
        self.atom = len(self.out)
        self.atom_is_anchor = anchor
        self.after_repeat = False
        self.out.append(text)

    def emit_other(self, text):
        self.out.append(text)
        self.atom = None
        self.after_repeat = False

    # -- driver --------------------------------------------------------------------------------
    def translate(self):
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
            raise InvalidRule('regular expression "%s": cannot be translated to Python (%s as %r)' % (src, exc, python)) from exc
        return GoRegexp(src, compiled, self.names)

    # -- groups and flags ------------------------------------------------------------------------
    def open_group(self):
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

    def flag_group(self):
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

    def push_group(self, text):
        self.groups.append((self.flags, len(self.out)))
        self.emit_other(text)

    def close_group(self):
        if not self.groups:
            self.fail('unexpected ")" without a matching "("')
        self.pos += 1
        self.flags, start = self.groups.pop()
        self.out.append(')')
        self.atom, self.atom_is_anchor, self.after_repeat = start, False, False

    # -- repetition ------------------------------------------------------------------------------
    def repeat(self):
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
    def char_class(self):
        src, start = self.src, self.pos
        pos = start + 1
        negate = src.startswith('^', pos)
        if negate:
            pos += 1
        ranges, first = [], True
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

    def class_char(self, pos):
        if self.src[pos] == '\\':
            self.pos = pos
            return self.single_escape()
        return ord(self.src[pos]), pos + 1

    def perl_class(self, letter):
        if letter in 'pP':
            match = _UNICODE_CLASS_RE.match(self.src, self.pos)
            self.fail('Unicode class %s is valid RE2 but not supported here (Python re has no \\p); use an explicit range such as [A-Za-z]'
                      % match.group(0))
        ranges = _PERL_CLASSES[letter.lower()]
        return _complement(ranges) if letter.isupper() else ranges

    # -- escapes -------------------------------------------------------------------------------
    def escape(self):
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

    def single_escape(self):
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


def translate_go_regex(pattern):
    """Translate a Go (RE2) regular expression; return a GoRegexp. Raises InvalidRule naming the pattern."""
    if not isinstance(pattern, str):
        raise InvalidRule('regular expression %r: expected a string' % (pattern,))
    return _Translator(pattern).translate()


# ---------------------------------------------------------------------------------------------
# Go's Regexp.Expand and ReplaceAllString.
# ---------------------------------------------------------------------------------------------

_Ref = namedtuple('_Ref', ['name', 'num', 'text'])


def _is_name_char(char):
    # Go: unicode.IsLetter || unicode.IsDigit || '_'; IsDigit is category Nd, IsLetter is L*.
    return char == '_' or unicodedata.category(char) in ('Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'Nd')


def _extract(template, pos):
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


def parse_template(template):
    """Split a Go replacement template into literal strings and _Ref(name, num, text) references."""
    parts, literal, pos = [], [], 0
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


def _expand_parts(parts, match, group_names):
    out = []
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


def expand(template, match, group_names):
    """Go's Regexp.Expand for a Python match; ``group_names`` is GoRegexp.subexp_names."""
    return _expand_parts(parse_template(template), match, group_names)


def replace_all(regex, src, template):
    """Go's ReplaceAllString(src, template) for a GoRegexp.

    Unlike Python's re.sub, an empty match right after the previous match is not replaced: Go finds
    "x*" in "abxd" four times but replaces only at 0, 1, 2 and 4, giving "-a-b-d-" (re.sub: "-a-b--d-").
    """
    parts = parse_template(template)
    out, last_end, search_pos = [], 0, 0
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


def template_problems(template, regex):
    """Group references in ``template`` that ``regex`` cannot fill, as messages (empty when all is well).

    Deliberate deviation from Go, which expands them to "": a reference to a missing group is always a
    configuration mistake, typically "$1x" (the group named "1x") meant as "${1}x".
    """
    problems = []
    for ref in parse_template(template):
        if not isinstance(ref, _Ref):
            continue
        if ref.num >= 0 and ref.num > regex.num_subexp:
            problems.append('%s refers to group %d but the regular expression has only %d group(s)' % (ref.text, ref.num, regex.num_subexp))
        elif ref.num < 0 and ref.name not in regex.subexp_names:
            problems.append('%s refers to a group named "%s", which the regular expression does not have (Go would insert "")%s'
                            % (ref.text, ref.name, _braces_hint(ref.name, regex.num_subexp)))
    return problems


def _braces_hint(name, num_subexp):
    """For "$1x": suggest "${1}x", using the longest leading number that is an existing group."""
    for length in range(len(name) - 1, 0, -1):
        number, rest = name[:length], name[length:]
        if number.isdigit() and number.isascii() and (number == '0' or number[0] != '0') and int(number) <= num_subexp:
            return '; write ${%s}%s to use group %s followed by "%s"' % (number, rest, number, rest)
    return ''


# ---------------------------------------------------------------------------------------------
# Registry manifest URLs.
# ---------------------------------------------------------------------------------------------

ManifestURL = namedtuple('ManifestURL', ['base_url', 'repository', 'reference'])


def parse_manifest_url(url):
    """Split ``http(s)://host[:port]/v2/<repository>/manifests/<tag-or-digest>``; raise RewriteError if it is not one."""
    form = 'expected http(s)://host[:port]/v2/<repository>/manifests/<tag or digest>'
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.netloc or parts.query or parts.fragment:
        raise RewriteError('"%s" is not a registry manifest URL: %s' % (url, form))
    if '@' in parts.netloc:
        raise RewriteError('"%s://***@%s%s" contains credentials: remove them from the URL and give them as module options' % (
            parts.scheme, parts.netloc.rpartition('@')[2], parts.path))
    path = parts.path
    manifests = path.rfind(_MANIFESTS)
    if not path.startswith('/v2/') or manifests < len('/v2'):
        raise RewriteError('"%s" is not a registry manifest URL: %s' % (url, form))
    repository, reference = path[len('/v2/'):manifests], path[manifests + len(_MANIFESTS):]
    if not is_repository_path(repository):
        raise RewriteError('"%s" has an invalid repository "%s": use lowercase path components separated by "/" (%s)' % (url, repository, form))
    if ':' in reference:
        if digest_problem(reference):
            raise RewriteError('"%s" has an invalid reference "%s" after /manifests/: a tag cannot contain ":" and %s'
                               % (url, reference, digest_problem(reference)))
    elif not is_tag(reference):
        raise RewriteError('"%s" has an invalid tag "%s" after /manifests/ (%s)' % (url, reference, form))
    return ManifestURL('%s://%s' % (parts.scheme, parts.netloc), repository, reference)


# ---------------------------------------------------------------------------------------------
# Rules.
# ---------------------------------------------------------------------------------------------

# Option name -> seed YAML key. Module options use the left-hand names.
SEED_KEYS = {
    'regex_url': 'regexURL',
    'replacement_oci': 'replacementOCI',
    'replacement_arch': 'replacementArch',
    'target_os': 'targetOS',
    'target_arch': 'targetArch',
    'target_variant': 'targetVariant',
    'platforms': 'platforms',
}
OPTION_KEYS = dict((key, key) for key in SEED_KEYS)


class RuleMatch(object):
    """What a rule made of one image: the index/manifest URL, its parts, and the per-platform URL template."""

    __slots__ = ('image', 'manifest_url', 'base_url', 'repository', 'reference', 'arch_template')

    def __init__(self, image, manifest_url, arch_template):
        self.image = image
        self.manifest_url = manifest_url
        self.base_url, self.repository, self.reference = parse_manifest_url(manifest_url)
        self.arch_template = arch_template

    @property
    def index_only(self):
        """True when the rule says to read only the first manifest (replacementArch: "")."""
        return self.arch_template is None

    def arch_url(self, digest):
        """URL of the platform manifest ``digest`` (all ARCHDIGEST occurrences replaced, as the seed did)."""
        if self.arch_template is None:
            raise RewriteError('image "%s": the rule has an empty replacementArch, so there is no per-platform URL' % self.image)
        return self.arch_template.replace(ARCH_PLACEHOLDER, digest)

    def arch_location(self, digest):
        """``arch_url(digest)`` split into ManifestURL(base_url, repository, reference)."""
        return parse_manifest_url(self.arch_url(digest))

    def __repr__(self):
        return 'RuleMatch(%r, %r, %r)' % (self.image, self.manifest_url, self.arch_template)


class Rule(object):
    """One proxy-cache rule: which images it takes (Go regex) and where their manifests are in the cache.

    ``label`` (e.g. ``proxyCaches[0]``) and ``keys`` (option name -> name shown) only shape error messages.
    ``platforms`` (a list of strings, or ["all"]) overrides target_os/target_arch/target_variant.
    """

    def __init__(self, regex_url, replacement_oci, replacement_arch=None, target_os=None, target_arch=None,
                 target_variant=None, platforms=None, label='rule', keys=None):
        self.label = label
        self.keys = keys or OPTION_KEYS
        for key, value in (('regex_url', regex_url), ('replacement_oci', replacement_oci)):
            if not isinstance(value, str) or not value:
                self.fail(key, 'required: give a non-empty string')
        for key, value in (('replacement_arch', replacement_arch), ('target_os', target_os),
                           ('target_arch', target_arch), ('target_variant', target_variant)):
            if value is not None and not isinstance(value, str):
                self.fail(key, 'must be a string, got %r' % (value,))
        try:
            self.regex = translate_go_regex(regex_url)
        except InvalidRule as exc:
            self.fail('regex_url', str(exc))
        self.replacement_oci = replacement_oci
        self.check_template('replacement_oci', replacement_oci)
        self.replacement_arch = self.arch_template_for(replacement_arch)
        self.platforms = self.parse_platforms(target_os, target_arch, target_variant, platforms)

    def fail(self, key, problem):
        raise InvalidRule('%s.%s: %s' % (self.label, self.keys[key], problem))

    def check_template(self, key, template):
        problems = template_problems(template, self.regex)
        if problems:
            self.fail(key, '"%s": %s' % (template, '; '.join(problems)))

    def arch_template_for(self, replacement_arch):
        """None (index only) for "", the derived template when unset, else the validated template."""
        if replacement_arch == '':
            return None
        if replacement_arch is None:
            cut = self.replacement_oci.rfind(_MANIFESTS)
            if cut < 0:
                self.fail('replacement_oci', '"%s" has no "%s", so %s cannot be derived from it; set %s explicitly'
                          % (self.replacement_oci, _MANIFESTS, self.keys['replacement_arch'], self.keys['replacement_arch']))
            return self.replacement_oci[:cut + len(_MANIFESTS)] + ARCH_PLACEHOLDER
        if not replacement_arch.endswith(ARCH_PLACEHOLDER):
            self.fail('replacement_arch', '"%s" must end with %s (the platform manifest digest goes there), or be "" to read only the index'
                      % (replacement_arch, ARCH_PLACEHOLDER))
        self.check_template('replacement_arch', replacement_arch)
        return replacement_arch

    def parse_platforms(self, target_os, target_arch, target_variant, platforms):
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
    def from_dict(cls, data, label='rule', keys=None):
        """Build from a dict keyed like ``keys`` (OPTION_KEYS by default, or SEED_KEYS); unknown keys are errors."""
        keys = keys or OPTION_KEYS
        if not isinstance(data, dict):
            raise InvalidRule('%s must be a mapping with %s, got %r' % (label, ', '.join(keys.values()), data))
        shown_to_option = dict((shown, option) for option, shown in keys.items())
        for key in data:
            if key not in shown_to_option:
                raise InvalidRule('%s: unknown key "%s"%s' % (label, key, _did_you_mean(str(key), shown_to_option)))
        values = dict((shown_to_option[key], value) for key, value in data.items())
        return cls(label=label, keys=keys, **values)

    def apply(self, image):
        """None if the regex does not match ``image`` (Go's MatchString), else a RuleMatch.

        Raises RewriteError when the rewritten URL is not a registry manifest URL.
        """
        if not self.regex.match_string(image):
            return None
        manifest_url = replace_all(self.regex, image, self.replacement_oci)
        arch_template = None
        if self.replacement_arch is not None:
            arch_template = replace_all(self.regex, image, self.replacement_arch)
        try:
            result = RuleMatch(image, manifest_url, arch_template)
            if arch_template is not None:
                if not arch_template.endswith(_MANIFESTS + ARCH_PLACEHOLDER):
                    raise RewriteError('the platform manifest URL "%s" does not end with %s%s (ReplaceAllString keeps the text the '
                                       'regular expression did not match: anchor it with ^...$)' % (arch_template, _MANIFESTS, ARCH_PLACEHOLDER))
                result.arch_location('sha256:' + '0' * 64)
        except RewriteError as exc:
            raise RewriteError('image "%s" matched %s (%s "%s") but the rewritten URL is unusable: %s; fix the rule or the image name'
                               % (image, self.label, self.keys['regex_url'], self.regex.pattern, exc)) from exc
        return result

    def __repr__(self):
        return 'Rule(%r, %r, %r, platforms=%r)' % (self.regex.pattern, self.replacement_oci, self.replacement_arch, self.platforms)


def _did_you_mean(key, known):
    # Compare without case and "_" so regexUrl, regex_url and REGEXURL all point at regexURL.
    folded = dict((name.lower().replace('_', ''), name) for name in known)
    close = difflib.get_close_matches(key.lower().replace('_', ''), list(folded), n=1)
    hint = ' (did you mean "%s"?)' % folded[close[0]] if close else ''
    return '%s; known keys: %s' % (hint, ', '.join(sorted(known)))


def rules_from_options(items, option='rules'):
    """Rules from the module option (a list of dicts with OPTION_KEYS names)."""
    if not isinstance(items, (list, tuple)) or not items:
        raise InvalidRule('%s must be a non-empty list of rules' % option)
    return [Rule.from_dict(item, label='%s[%d]' % (option, index)) for index, item in enumerate(items)]


def match_rule(rules, image):
    """First rule whose regex matches ``image``: ``(index, rule, RuleMatch)``, or None."""
    for index, rule in enumerate(rules):
        result = rule.apply(image)
        if result is not None:
            return index, rule, result
    return None


# ---------------------------------------------------------------------------------------------
# The seed plugin's configuration file.
# ---------------------------------------------------------------------------------------------

_SEED_TOP_KEYS = ('maxNumberOfParallelJobs', 'proxyCaches')


def parse_seed_config(data, source='seed configuration'):
    """Rules and parallelism from an already parsed seed configuration.

    Returns ``(rules, max_parallel_jobs)``; ``max_parallel_jobs`` is None when the file does not set it
    (the seed would then start no worker at all; the caller picks its own default).
    """
    where = '%s:' % source
    if not isinstance(data, dict):
        raise InvalidRule('%s expected a mapping with %s at the top level' % (where, ' and '.join(_SEED_TOP_KEYS)))
    for key in data:
        if key not in _SEED_TOP_KEYS:
            raise InvalidRule('%s unknown key "%s"%s' % (where, key, _did_you_mean(str(key), _SEED_TOP_KEYS)))
    jobs = data.get('maxNumberOfParallelJobs')
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise InvalidRule('%s maxNumberOfParallelJobs must be a whole number of at least 1, got %r' % (where, jobs))
    caches = data.get('proxyCaches')
    if not isinstance(caches, list) or not caches:
        raise InvalidRule('%s proxyCaches must be a non-empty list of rules (regexURL, replacementOCI, ...)' % where)
    rules = [Rule.from_dict(item, label='%s proxyCaches[%d]' % (where, index), keys=SEED_KEYS)
             for index, item in enumerate(caches)]
    return rules, jobs


def load_seed_config(path):
    """Read the seed plugin's YAML file unchanged; returns ``(rules, max_parallel_jobs)``.

    PyYAML is imported here, not at module import, so the rest of this file needs only the standard library.
    """
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise InvalidRule('reading the seed configuration "%s" needs the PyYAML library (pip install PyYAML) '
                          'on the host that runs the module' % path) from exc
    try:
        with open(path, 'r') as handle:
            data = yaml.safe_load(handle)
    except (IOError, OSError) as exc:
        raise InvalidRule('cannot read the seed configuration "%s": %s' % (path, exc)) from exc
    except yaml.YAMLError as exc:
        raise InvalidRule('the seed configuration "%s" is not valid YAML: %s' % (path, exc)) from exc
    return parse_seed_config(data, source='seed configuration "%s"' % path)
