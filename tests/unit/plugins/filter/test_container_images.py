# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import collections
import os
import time

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.prewarm.harbor.plugins.filter import container_images as plugin
from ansible_collections.prewarm.harbor.plugins.filter.container_images import FilterModule, container_images
from ansible_collections.prewarm.harbor.tests.unit.plugins.filter.render_examples import EXPECTED, FIXTURES

LOADERS = [pytest.param(yaml.SafeLoader, id='SafeLoader')]
if getattr(yaml, '__with_libyaml__', False):
    LOADERS.insert(0, pytest.param(yaml.CSafeLoader, id='CSafeLoader'))


def read_fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


def pod(*images, **extra):
    spec = {'containers': [{'name': 'c%d' % i, 'image': image} for i, image in enumerate(images)]}
    spec.update(extra)
    return {'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'name': 'p'}, 'spec': spec}


@pytest.fixture(params=LOADERS)
def loader(request, monkeypatch):
    """Run a test with the libyaml loader and again with the pure-Python fallback."""
    monkeypatch.setattr(plugin, '_LOADER', request.param)
    return request.param


def test_prefers_libyaml_loader():
    expected = yaml.CSafeLoader if getattr(yaml, '__with_libyaml__', False) else yaml.SafeLoader
    assert plugin._LOADER is expected


def test_filter_module_exposes_filter():
    assert FilterModule().filters() == {'container_images': container_images}


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_rendered_fixtures(name, loader):
    assert container_images(read_fixture(name)) == sorted(EXPECTED[name])


def test_all_fixtures_in_one_stream_deduplicated(loader):
    stream = '\n---\n'.join(read_fixture(name) for name in sorted(EXPECTED))
    assert container_images(stream) == sorted(set().union(*EXPECTED.values()))


@pytest.mark.parametrize('text, expected', [
    ('', []),
    ('# only a comment\n', []),
    ('---\n---\n...\n', []),
    ('null\n', []),
    ('42\n', []),
    ('kind: Pod\nspec:\n  containers:\n  - image: a:1\n', ['a:1']),
    # An alias cycle must not hang the walk.
    ('&top {self: *top, spec: {containers: [{image: cyclic:1}]}}\n', ['cyclic:1']),
    # initContainers alone do not make a pod spec; the rule keys on containers.
    ('spec:\n  initContainers:\n  - image: lonely/init:1\n', []),
    # Images with surrounding whitespace are stripped; whitespace-only ones are dropped.
    ('spec:\n  containers:\n  - image: "\\tpadded:1 "\n  - image: " "\n', ['padded:1']),
    # Plain CRLF line endings, as rendered on Windows.
    ('kind: Pod\r\nspec:\r\n  containers:\r\n  - image: crlf:1\r\n', ['crlf:1']),
], ids=['empty', 'comment', 'empty-docs', 'null', 'scalar', 'minimal', 'cycle', 'init-only', 'whitespace', 'crlf'])
def test_text_edge_cases(text, expected, loader):
    assert container_images(text) == expected


def test_bytes_input():
    assert container_images(b'kind: Pod\nspec:\n  containers:\n  - image: bytes:1\n') == ['bytes:1']


@pytest.mark.parametrize('data, expected', [
    (None, []),
    ({}, []),
    ([], []),
    (pod('nginx:1.27'), ['nginx:1.27']),
    ({'apiVersion': 'v1', 'kind': 'List', 'items': [pod('b:1'), None, pod('a:1', ephemeralContainers=[{'image': 'debug:1'}])]},
     ['a:1', 'b:1', 'debug:1']),
    ([pod('b:1', initContainers=[{'image': 'init:1'}]), None, pod('a:1', 'b:1'), 'scalar', 7, [pod('nested:1')]],
     ['a:1', 'b:1', 'init:1', 'nested:1']),
    ((pod('tuple:1'),), ['tuple:1']),
], ids=['none', 'empty-dict', 'empty-list', 'dict', 'list-kind-dict', 'list', 'tuple'])
def test_parsed_input(data, expected):
    assert container_images(data) == expected


def test_parsed_input_with_shared_and_cyclic_nodes():
    shared = pod('shared:1')
    data = [shared, shared, {'items': [shared]}]
    data.append(data)
    assert container_images(data) == ['shared:1']


class ReadOnlyMapping(collections.abc.Mapping):
    """A Mapping that is not a dict, like the container types some callers build."""

    def __init__(self, *args, **kwargs):
        self._data = dict(*args, **kwargs)

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


def test_parsed_input_mapping_and_sequence_subclasses():
    data = collections.UserList([ReadOnlyMapping(spec=ReadOnlyMapping(containers=(ReadOnlyMapping(image='abc:1'),)))])
    assert container_images(data) == ['abc:1']


def test_ansible_tagged_types():
    """ansible-core 2.19 hands filters tagged dict/list/str subclasses (data tagging)."""
    datatag = pytest.importorskip('ansible.module_utils._internal._datatag')
    tags = pytest.importorskip('ansible._internal._datatag._tags')
    origin = tags.Origin(path='/tmp/render.yaml', line_num=1)

    text = origin.tag(read_fixture('list_kinds.txt'))
    assert isinstance(text, str) and isinstance(text, datatag.AnsibleTaggedObject)
    assert container_images(text) == sorted(EXPECTED['list_kinds.txt'])

    data = origin.tag([origin.tag(pod(origin.tag('tagged:1')))])
    assert isinstance(data, list) and isinstance(data, datatag.AnsibleTaggedObject)
    assert container_images(data) == ['tagged:1']


def test_ansible_unsafe_text():
    from ansible.utils.unsafe_proxy import AnsibleUnsafeText

    assert container_images(AnsibleUnsafeText('spec:\n  containers:\n  - image: unsafe:1\n')) == ['unsafe:1']


@pytest.mark.parametrize('text, document, line', [
    ('a: 1\n---\nb: 2\n---\nc: d: e\n', 3, 5),
    ('kind: Pod\nspec:\n  x: 1\n y: 1\n', 1, 4),
    ('a: 1\n---\nb: [1, 2\n', 2, 4),
    ("a: 1\n---\nb: 'unterminated\n", 2, 4),
    ('a: 1\n---\nb: *undefined_alias\n', 2, 3),
    ('a: 1\n---\nb: 2\n\tc: 3\n', 2, 4),
    # Stray, wrongly indented text after a complete document is blamed on that document.
    ('a: 1\n---\n- x\n y: 1\n---\nc: 1\n', 2, 4),
], ids=['mapping-in-plain', 'dedent', 'unclosed-flow', 'unterminated-quote', 'undefined-alias', 'tab', 'trailing-junk'])
def test_malformed_yaml_names_document_and_line(text, document, line, loader):
    with pytest.raises(AnsibleFilterError) as excinfo:
        container_images(text)
    message = str(excinfo.value)
    assert 'document %d, line %d,' % (document, line) in message
    assert 'helm template/kustomize build' in message


def test_malformed_render_fixture(loader):
    with pytest.raises(AnsibleFilterError) as excinfo:
        container_images(read_fixture('malformed_helm.txt'))
    # The Deployment is the 3rd document; line 27 holds the mis-indented imagePullPolicy.
    assert 'document 3, line 27,' in str(excinfo.value)


@pytest.mark.parametrize('data', [42, 4.2, True, object(), {'a'}], ids=['int', 'float', 'bool', 'object', 'set'])
def test_wrong_type_rejected(data):
    with pytest.raises(AnsibleFilterError, match='expected YAML text, a dictionary or a list of dictionaries, got %s' % type(data).__name__):
        container_images(data)


def test_missing_pyyaml(monkeypatch):
    monkeypatch.setattr(plugin, 'yaml', None)
    with pytest.raises(AnsibleFilterError, match='PyYAML'):
        container_images('a: 1')


def generate_render(min_lines):
    """A helm-template-like stream of Deployments, Services and ConfigMaps with 200 distinct images."""
    documents = []
    index = 0
    lines = 0
    while lines < min_lines:
        documents.append(
            '# Source: big/templates/app-{i}.yaml\n'
            'apiVersion: apps/v1\n'
            'kind: Deployment\n'
            'metadata:\n'
            '  name: app-{i}\n'
            '  labels:\n'
            '    app.kubernetes.io/name: app-{i}\n'
            '    app.kubernetes.io/instance: big\n'
            'spec:\n'
            '  replicas: 2\n'
            '  selector:\n'
            '    matchLabels:\n'
            '      app.kubernetes.io/name: app-{i}\n'
            '  template:\n'
            '    metadata:\n'
            '      labels:\n'
            '        app.kubernetes.io/name: app-{i}\n'
            '    spec:\n'
            '      initContainers:\n'
            '        - name: init\n'
            '          image: "registry.local:5000/team/init-{m}:1.0"\n'
            '      containers:\n'
            '        - name: app\n'
            '          image: "registry.local:5000/team/app-{m}:1.{i}"\n'
            '          ports:\n'
            '            - containerPort: 8080\n'
            '          env:\n'
            '            - name: INDEX\n'
            '              value: "{i}"\n'
            '---\n'
            '# Source: big/templates/svc-{i}.yaml\n'
            'apiVersion: v1\n'
            'kind: Service\n'
            'metadata:\n'
            '  name: app-{i}\n'
            'spec:\n'
            '  ports:\n'
            '    - port: 80\n'
            '      targetPort: 8080\n'
            '---\n'
            '# Source: big/templates/cm-{i}.yaml\n'
            'apiVersion: v1\n'
            'kind: ConfigMap\n'
            'metadata:\n'
            '  name: app-{i}\n'
            'data:\n'
            '  config.yaml: |\n'
            '    level: info\n'
            '    index: {i}\n'.format(i=index, m=index % 100))
        lines += documents[-1].count('\n') + 1
        index += 1
    return '---\n' + '\n---\n'.join(documents), index


def test_large_render_is_fast():
    text, count = generate_render(50000)
    assert text.count('\n') >= 50000
    start = time.perf_counter()
    result = container_images(text)
    elapsed = time.perf_counter() - start
    print('\n%d-line render (%d Deployments) with %s: %.3f s' % (text.count('\n'), count, plugin._LOADER.__name__, elapsed))
    expected = {'registry.local:5000/team/init-%d:1.0' % (i % 100) for i in range(count)}
    expected |= {'registry.local:5000/team/app-%d:1.%d' % (i % 100, i) for i in range(count)}
    assert result == sorted(expected)
    # Only a very loose bound: this is a sanity check, not a benchmark.
    assert elapsed < 10
