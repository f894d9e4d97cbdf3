# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plain proxy's token endpoint: anonymous pull on any repository it is asked for (Harbor has its own, see harbor/)."""

import datetime

from . import tokens


class Issuer:
    """Issues tokens the plain pull-through proxy (``auth: token``) accepts."""

    def __init__(self, signing_key, switches):
        self._signing_key = signing_key
        self._switches = switches

    def issue(self, scopes):
        """Return the token endpoint's JSON answer: pull on every repository scope asked for."""
        access = [{'type': 'repository', 'name': scope.name, 'actions': ['pull']} for scope in scopes
                  if scope is not None and scope.type == 'repository' and {'pull', '*'} & set(scope.actions)]
        lifetime = self._switches.token_lifetime
        token = tokens.sign(self._signing_key, access, lifetime)
        issued = datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')
        return {'token': token, 'access_token': token, 'expires_in': lifetime, 'issued_at': issued}
