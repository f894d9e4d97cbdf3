# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: release_images
short_description: Find every container image of a release, from its manifests, kustomizations and Helm charts
version_added: 1.0.0
author: prewarm.harbor contributors (@prewarm-harbor)
description:
  - Finds the manifest files (files, directories searched for C(*.yaml) and C(*.yml), globs where C(**) recurses),
    renders the kustomizations (C(kustomize build), else C(kubectl kustomize)) and Helm releases (C(helm template)),
    and lists the images of every pod spec in them with the P(prewarm.harbor.container_images#filter) filter.
  - Returns one entry per source, so a report can say where each image came from; extra references given in
    O(images) come last, as the source C(prewarm_images).
  - Runs on the controller, in --check too (it only reads files and renders).
  - Relative paths (manifests, kustomizations, charts, values files) are taken from O(cwd).
options:
  manifests:
    description: Rendered YAML files, directories or globs.
    type: list
    elements: str
    default: []
  kustomize:
    description: Kustomization directories or remote kustomize URLs.
    type: list
    elements: str
    default: []
  helm:
    description:
      - Helm releases, each a mapping with C(name) and C(chart) (a path, repo/chart or C(oci://) reference), and
        optionally C(values) (files), C(set) (values, passed as C(--set-json) so their YAML types are kept),
        C(namespace), C(version) and C(args) (any other C(helm template) arguments).
    type: list
    elements: dict
    default: []
  images:
    description:
      - Extra image references. A string may hold several, separated by commas or whitespace (as C(-e) gives).
    type: list
    elements: str
    default: []
  cwd:
    description: The directory relative paths are taken from; the directory ansible-playbook was started in by default.
    type: path
notes:
  - Every problem names its entry and the fix; a glob that matches nothing and a missing file are errors, as is a
    render that fails (its command and stderr are shown).
'''

EXAMPLES = r'''
- name: Every image of a kustomization and a chart, one entry per source
  ansible.builtin.debug:
    msg: "{{ query('prewarm.harbor.release_images', kustomize=['deploy/prod'], helm=[{'name': 'web', 'chart': './chart'}]) }}"

- name: Just the references, de-duplicated
  ansible.builtin.set_fact:
    release: "{{ query('prewarm.harbor.release_images', manifests=['rendered/**/*.yaml']) | map(attribute='images') | flatten | unique }}"
'''

RETURN = r'''
_list:
  description: One entry per source, in the order manifests, kustomizations, Helm releases, extra images.
  type: list
  elements: dict
  contains:
    source:
      description: The file, the render command, or C(prewarm_images).
      type: str
    images:
      description: Its images, sorted and de-duplicated.
      type: list
      elements: str
'''

import os
import re
from typing import Any

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.prewarm.harbor.plugins.filter.container_images import container_images
from ansible_collections.prewarm.harbor.plugins.plugin_utils._release import (
    helm_argv, kustomize_argv, manifest_files, read_files, render,
)


class LookupModule(LookupBase):

    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        self.set_options(var_options=variables, direct=kwargs)
        cwd = self.get_option('cwd') or os.getcwd()
        try:
            sources = read_files(manifest_files(_entries(self.get_option('manifests')), cwd))
            argvs = [kustomize_argv(entry) for entry in _entries(self.get_option('kustomize'))]
            argvs += [helm_argv(release) for release in self.get_option('helm')]
            sources += render(argvs, cwd)
        except AnsibleError as exc:
            raise AnsibleLookupError(exc.message) from None
        found: list[dict[str, Any]] = []
        for source in sources:
            try:
                found.append(dict(source=source.name, images=container_images(source.text)))
            except AnsibleError as exc:
                raise AnsibleLookupError('%s: %s' % (source.name, exc.message)) from None
        extra = sorted(set(image for entry in self.get_option('images') for image in re.findall(r'[^,\s]+', entry)))
        if extra:
            found.append(dict(source='prewarm_images', images=extra))
        return found


def _entries(values: list[Any]) -> list[Any]:
    return [value for value in values if value]
