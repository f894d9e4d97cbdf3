# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""WWW-Authenticate header parsing (RFC 7235 challenges)."""

from __future__ import annotations

import re
from typing import NamedTuple, NoReturn

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError

# RFC 7230 token, RFC 7235 token68, optional whitespace.
_TCHAR = r"[!#$%&'*+.^_`|~0-9A-Za-z-]"
_TOKEN_RE = re.compile(_TCHAR + '+')
_TOKEN68_RE = re.compile(r'[A-Za-z0-9._~+/-]+=*')
_OWS_RE = re.compile(r'[ \t]*')
# "name =" followed by a value; "abc==" (a token68 with padding) is not a parameter.
_PARAM_START_RE = re.compile(_TCHAR + r'+[ \t]*=[ \t]*(?=[^\s,=])')
# Unquoted values are read up to the next comma or blank: some servers send realm=https://... unquoted.
_BARE_VALUE_RE = re.compile(r'[^\s,"]+')


class InvalidChallenge(ImageError):
    """A WWW-Authenticate header that cannot be parsed."""


class _ChallengeFields(NamedTuple):
    """Challenge's fields, typed; apart because a NamedTuple may not define __new__ (params defaults to a new {})."""

    scheme: str
    params: dict[str, str]
    token68: str | None


class Challenge(_ChallengeFields):
    """One challenge: ``scheme`` lower-cased, ``params`` with lower-cased names, ``token68`` or None."""

    __slots__ = ()

    def __new__(cls, scheme: str, params: dict[str, str] | None = None, token68: str | None = None) -> Challenge:
        return super().__new__(cls, scheme, params if params is not None else {}, token68)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, expected: str) -> NoReturn:
        raise InvalidChallenge('cannot parse WWW-Authenticate header "%s": expected %s at offset %d'
                               % (self.text, expected, self.pos))

    def take(self, regex: re.Pattern[str]) -> str | None:
        match = regex.match(self.text, self.pos)
        if match is None or not match.group(0):
            return None
        self.pos = match.end()
        return match.group(0)

    def skip_ows(self) -> None:
        self.take(_OWS_RE)  # [ \t]* always matches: take() moves past what it matched, if anything

    def peek(self, char: str) -> bool:
        return self.text.startswith(char, self.pos)

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def at_element_end(self) -> bool:
        """After optional whitespace, is the next thing a list comma or the end?"""
        self.skip_ows()
        return self.at_end() or self.peek(',')

    def skip_commas(self) -> None:
        """Skip list separators, including the empty elements RFC 7230's #rule allows."""
        while True:
            self.skip_ows()
            if not self.peek(','):
                return
            self.pos += 1

    def at_param(self) -> bool:
        """Is the next element ``name=value`` (a parameter) rather than a new challenge's scheme or a token68?"""
        return _PARAM_START_RE.match(self.text, self.pos) is not None

    def quoted_string(self) -> str:
        self.pos += 1  # opening quote
        chars: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == '"':
                self.pos += 1
                return ''.join(chars)
            if char == '\\' and self.pos + 1 < len(self.text):
                self.pos += 1
                char = self.text[self.pos]
            chars.append(char)
            self.pos += 1
        return self.fail('a closing double quote')


def _parse_params(scanner: _Scanner) -> dict[str, str]:
    params: dict[str, str] = {}
    while True:
        token = scanner.take(_TOKEN_RE)
        if token is None:  # not reached: at_param() saw "name =" here
            scanner.fail('a parameter name')
        name = token.lower()
        scanner.skip_ows()
        scanner.pos += 1  # "=", checked by at_param()
        scanner.skip_ows()
        value: str | None
        if scanner.peek('"'):
            value = scanner.quoted_string()
        else:
            value = scanner.take(_BARE_VALUE_RE)
            if value is None:
                scanner.fail('a value for parameter "%s"' % name)
        # RFC 7235 allows each name once; keep the first rather than fail on a sloppy server.
        params.setdefault(name, value)
        if not scanner.at_element_end():
            scanner.fail('"," or the end of the header')
        scanner.skip_commas()
        if not scanner.at_param():
            return params


def _parse_one(scanner: _Scanner, challenges: list[Challenge]) -> None:
    scheme = scanner.take(_TOKEN_RE)
    if scheme is None:
        scanner.fail('an authentication scheme')
    if scanner.at_element_end():
        challenges.append(Challenge(scheme.lower()))
        return
    if scanner.at_param():
        challenges.append(Challenge(scheme.lower(), _parse_params(scanner)))
        return
    token68 = scanner.take(_TOKEN68_RE)
    if token68 is None or not scanner.at_element_end():
        scanner.fail('parameters (name=value) or a token68 after scheme "%s"' % scheme)
    challenges.append(Challenge(scheme.lower(), token68=token68))


def parse_challenges(header: object) -> list[Challenge]:
    """Parse one WWW-Authenticate value, or a list of them (one per header line), into Challenge objects.

    Raises InvalidChallenge (a ValueError) naming the header when it is malformed; never anything else.
    """
    if isinstance(header, (list, tuple)):
        challenges: list[Challenge] = []
        for value in header:
            challenges.extend(parse_challenges(value))
        return challenges
    if not isinstance(header, str):
        raise InvalidChallenge('cannot parse WWW-Authenticate header %r: expected a string' % (header,))
    scanner = _Scanner(header)
    challenges = []
    scanner.skip_commas()
    while not scanner.at_end():
        _parse_one(scanner, challenges)
        scanner.skip_commas()
    return challenges
