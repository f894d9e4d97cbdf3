# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's authorisation rules for pulls, and the mapping of Harbor names to the names the registries see.

Clients use ``<project>/<repo>``; nginx strips the project, so the registry checks ``<repo>``. A token therefore
grants the stripped name to the registry, and lists the Harbor names in ``stand_access`` for the front's gate.
"""

import base64
import binascii
import datetime
import hmac

from . import tokens


class Unauthorized(Exception):
    """Credentials were sent and are wrong."""


class Issuer:
    """Issues tokens like Harbor's ``/service/token``: anonymous on public projects, the robot everywhere."""

    def __init__(self, signing_key, switches, projects, robot_user, robot_password):
        """``projects`` maps a project name to True when it is public."""
        self._signing_key = signing_key
        self._switches = switches
        self._projects = dict(projects)
        self._robot = (robot_user, robot_password)

    def authenticate(self, authorization):
        """Return the user for a Basic ``Authorization`` header, None when anonymous; raise Unauthorized."""
        if not authorization:
            return None
        scheme, _sep, value = authorization.partition(' ')
        if scheme.lower() != 'basic':
            raise Unauthorized('unsupported authorization scheme')
        try:
            user, _sep, password = base64.b64decode(value.strip(), validate=True).decode('utf-8').partition(':')
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthorized('malformed basic credentials') from exc
        robot_user, robot_password = self._robot
        if user != robot_user or not hmac.compare_digest(password.encode(), robot_password.encode()):
            raise Unauthorized('invalid credentials')
        return user

    def may_pull(self, user, project):
        """Harbor: anyone pulls from a public project, only the robot from a private one."""
        if project not in self._projects:
            return False
        return self._projects[project] or user is not None

    def grant(self, user, scopes, raw=False):
        """Return (registry access list, Harbor names) for the pull scopes this user may have.

        ``raw`` serves the plain proxy, whose clients already use registry names: no project is stripped.
        """
        access, harbor_names = [], []
        for scope in scopes:
            if scope is None or scope.type != 'repository' or not {'pull', '*'} & set(scope.actions):
                continue
            if raw:
                access.append({'type': 'repository', 'name': scope.name, 'actions': ['pull']})
                continue
            project, _sep, repo = scope.name.partition('/')
            if repo and self.may_pull(user, project):
                access.append({'type': 'repository', 'name': repo, 'actions': ['pull']})
                harbor_names.append(scope.name)
        return access, harbor_names

    def issue(self, user, scopes, raw=False):
        """Return the token endpoint's JSON answer for these scopes."""
        access, harbor_names = self.grant(user, scopes, raw)
        lifetime = self._switches.token_lifetime
        token = tokens.sign(self._signing_key, access, lifetime, {'stand_access': harbor_names})
        issued = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
        return {'token': token, 'access_token': token, 'expires_in': lifetime, 'issued_at': issued}

    def bearer_for(self, user, project, repo):
        """Mint the token Harbor would derive from Basic credentials sent straight to /v2 (None: not allowed)."""
        if project and not self.may_pull(user, project):
            return None
        scopes = [tokens.Scope('repository', f'{project}/{repo}', ('pull',))] if project else []
        return self.issue(user, scopes)['token']
