# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""A release's sources, on the controller: manifest files found by path or glob, and renders of kustomizations
and Helm releases. Every problem names the entry it came from and what to do."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from typing import Any

from ansible.errors import AnsibleError

MANIFEST_PATTERNS = ('.yaml', '.yml')


class Source:
    """Rendered YAML and where it came from (a file, or the command that rendered it)."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text


def manifest_files(entries: Iterable[str], cwd: str) -> list[str]:
    """Every file the entries name: a file as written, every *.yaml/*.yml under a directory, or a glob (** recurses).

    A path that exists is taken as written even if it holds glob characters."""
    files: list[str] = []
    problems: list[str] = []
    for entry in entries:
        path = os.path.join(cwd, os.path.expanduser(entry))
        found = [path] if os.path.lexists(path) else sorted(glob.glob(path, recursive=True))
        if not found:
            problems.append('prewarm_manifests: %s %s (relative paths are taken from %s)'
                            % (entry, 'matches no file' if glob.has_magic(entry) else 'does not exist', cwd))
        for match in found:
            files.extend(_yaml_files(match) if os.path.isdir(match) else [os.path.abspath(match)])
    if problems:
        raise AnsibleError('; '.join(problems))
    return list(dict.fromkeys(files))


def _yaml_files(directory: str) -> list[str]:
    found: list[str] = []
    for root, _dirs, names in os.walk(directory, followlinks=True):
        found.extend(os.path.abspath(os.path.join(root, name)) for name in names if name.endswith(MANIFEST_PATTERNS))
    return sorted(found)


def read_files(paths: Iterable[str]) -> list[Source]:
    sources = []
    for path in paths:
        with open(path, encoding='utf-8') as handle:
            sources.append(Source(path, handle.read()))
    return sources


def kustomize_argv(directory: str) -> list[str]:
    """``kustomize build`` when kustomize is installed, else ``kubectl kustomize``."""
    if shutil.which('kustomize'):
        return ['kustomize', 'build', os.path.expanduser(directory)]
    if shutil.which('kubectl'):
        return ['kubectl', 'kustomize', os.path.expanduser(directory)]
    raise AnsibleError('neither kustomize nor kubectl is installed: install one of them or pass the output of '
                       'kustomize build in prewarm_manifests')


def helm_argv(release: Any) -> list[str]:
    """``helm template`` for one release mapping; ``set`` goes through --set-json so YAML types are kept."""
    if not isinstance(release, dict) or not release.get('name') or not release.get('chart'):
        raise AnsibleError('every prewarm_helm release needs a name and a chart, got %r' % (release,))
    if not shutil.which('helm'):
        raise AnsibleError('helm is not installed: install it or pass the output of helm template in prewarm_manifests')
    argv = ['helm', 'template', str(release['name']), os.path.expanduser(str(release['chart']))]
    for option in ('namespace', 'version'):
        if release.get(option):
            argv += ['--' + option, str(release[option])]
    values = release.get('values') or []
    argv += ['--values=' + os.path.expanduser(str(path)) for path in ([values] if isinstance(values, str) else values)]
    argv += ['--set-json=%s=%s' % (key, json.dumps(value)) for key, value in (release.get('set') or {}).items()]
    return argv + [str(arg) for arg in release.get('args') or []]


def render(argvs: Iterable[list[str]], cwd: str) -> list[Source]:
    """Run every render in ``cwd``; one error lists every one that failed, with its stderr."""
    sources: list[Source] = []
    problems: list[str] = []
    for argv in argvs:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
        name = ' '.join(argv)
        if done.returncode:
            problems.append('%s failed (rc %d) in %s: %s' % (name, done.returncode, cwd, done.stderr.strip() or 'no output'))
        sources.append(Source(name, done.stdout))
    if problems:
        raise AnsibleError('; '.join(problems))
    return sources
