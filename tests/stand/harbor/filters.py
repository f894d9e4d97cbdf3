# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A replication policy's filters (11.2 step 2, 11.3 step 2; ``src/pkg/reg/filter``, ``src/pkg/reg/util/pattern.go``).

* Patterns are bmatcuk/doublestar v1 ``Match``: ``*`` and ``?`` stay within a path component, ``**`` as a whole
  component matches any number of components, ``[...]`` (``^`` or ``!`` negates), ``{a,b}``, ``\\`` escapes; an empty
  pattern matches everything.
* ``name``: the pattern on the **full** repository name (``proxy_hub/library/nginx``); it takes no decoration.
* ``tag``: each tag against the pattern, an untagged artifact against ``""``; ``decoration: excludes`` inverts; a tagged
  artifact keeps only its passing tags and is dropped when none passes.
* ``label``: the artifact must carry every label (``excludes``: must not); proxy artifacts carry none.
* ``resource`` (``image`` or ``artifact``) is validated only: every resource here is an image.
"""

import dataclasses
import functools
import re

EXCLUDES = 'excludes'


@dataclasses.dataclass
class Resource:
    """A replication resource: a repository and its artifacts ``{digest, tags, labels}`` (``model.Resource``)."""

    repository: str
    artifacts: list
    deleted: bool = False


@functools.lru_cache(maxsize=512)
def _component(pattern):
    """One path component of a pattern as a regular expression."""
    out, depth, index = [], 0, 0
    while index < len(pattern):
        char = pattern[index]
        if char == '\\' and index + 1 < len(pattern):
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if char == '[':
            end = pattern.find(']', index + 2)
            if end < 0:
                raise ValueError(f'syntax error in pattern {pattern!r}')
            body = pattern[index + 1:end]
            body = '^' + body[1:] if body[:1] in ('^', '!') else body
            out.append('[' + body.replace('\\', '\\\\') + ']')
            index = end + 1
            continue
        if char == '*':
            out.append('[^/]*')
        elif char == '?':
            out.append('[^/]')
        elif char == '{':
            depth += 1
            out.append('(?:')
        elif char == '}' and depth:
            depth -= 1
            out.append(')')
        elif char == ',' and depth:
            out.append('|')
        else:
            out.append(re.escape(char))
        index += 1
    if depth:
        raise ValueError(f'syntax error in pattern {pattern!r}')
    return re.compile(''.join(out) + r'\Z', re.DOTALL)


def _match(patterns, parts):
    if not patterns:
        return not parts
    if patterns[0] == '**':
        return any(_match(patterns[1:], parts[index:]) for index in range(len(parts) + 1))
    return bool(parts) and _component(patterns[0]).match(parts[0]) is not None and _match(patterns[1:], parts[1:])


def match(pattern, name):
    """``util.Match``: True when ``name`` matches the doublestar ``pattern`` (an empty pattern matches all)."""
    if not pattern:
        return True
    return _match(tuple(pattern.split('/')), tuple(name.split('/')))


def specific_names(component):
    """``util.IsSpecificPathComponent``: the names a pattern component can only mean (``lib``, ``{a,b}``), else None."""
    if any(char in component for char in '*?[]\\') or component.count('{') > 1:
        return None
    head, brace, rest = component.partition('{')
    if not brace:
        return [component]
    inner, close, tail = rest.partition('}')
    return [head + choice + tail for choice in inner.split(',')] if close else None


def repository_passes(filters, repository):
    """Every name filter matches the full repository name."""
    return all(match(item['value'], repository) for item in filters if item['type'] == 'name')


def _tag_filter(pattern, excludes, artifacts):
    if not pattern:
        return artifacts
    kept = []
    for artifact in artifacts:
        if not artifact['tags']:
            if match(pattern, '') != excludes:
                kept.append(artifact)
            continue
        tags = [tag for tag in artifact['tags'] if match(pattern, tag) != excludes]
        if tags:
            kept.append(dict(artifact, tags=tags))  # only the passing tags are replicated
    return kept


def _label_filter(labels, excludes, artifacts):
    if not labels:
        return artifacts
    return [artifact for artifact in artifacts if (set(labels) <= set(artifact.get('labels') or ())) != excludes]


def filter_artifacts(filters, artifacts):
    """The tag and label filters, in the policy's order."""
    for item in filters:
        excludes = item.get('decoration') == EXCLUDES
        if item['type'] == 'tag':
            artifacts = _tag_filter(item['value'], excludes, artifacts)
        elif item['type'] == 'label':
            artifacts = _label_filter(item['value'], excludes, artifacts)
    return artifacts


def filter_resource(filters, resource):
    """``filter.DoFilterResources`` of one resource: the filtered resource, or None when nothing passes."""
    if not repository_passes(filters, resource.repository):
        return None
    artifacts = filter_artifacts(filters, resource.artifacts)
    return dataclasses.replace(resource, artifacts=artifacts) if artifacts else None
