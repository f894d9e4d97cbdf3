# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an execution does once started (11.2 step 4, 11.3 steps 2-5; ``src/controller/replication/flow``).

After the jobservice queue delay: list the resources when none were given (a manual or scheduled start, 11.3 step 2);
none: the execution succeeds with "no resources need to be replicated"; else one task per repository (copy, or
deletion for a DELETE_ARTIFACT event), named per 11.3 step 5, run one after the other. A task's job runs up to
``replication_max_fails`` times (MaxFails 3), each run appending to the same log.
"""

import logging

from . import filters
from .endpoints import ProxySource, Target
from .executions import NOTHING
from .jobs import Cancelled
from .transfer import Transfer

LOG = logging.getLogger('harbor')
SOURCE_URL = 'http://core:8080'  # the local registry's URL as the jobservice sees it (reg/manager.go getLocalRegistry)


def destination_name(repository, namespace, replace_count):
    """11.3 step 5 (``flow/stage.go:replaceNamespace``); ValueError when the count exceeds the components."""
    if not namespace:
        return repository
    parts = repository.split('/')
    if replace_count < 0:
        prefix = namespace
    elif replace_count > len(parts) - 1:
        raise ValueError(f'the source repository "{repository}" contains only {len(parts) - 1} path components '
                         f'[{" ".join(parts[:-1])}] excepting the last one, but the destination namespace flattening level is '
                         f'{replace_count}')
    else:
        prefix = '/'.join([namespace] + parts[replace_count:-1])
    return f'{prefix}/{parts[-1]}'


def references(resource):
    """``getResourceReferences`` / ``convert``: each artifact's tags, or its digest when it has none."""
    found = []
    for artifact in resource.artifacts:
        found += list(artifact['tags']) if artifact['tags'] else [artifact['digest']]
    return found


def resource_name(repository, resource):
    """``getResourceName``: ``<repo> [N item(s) in total]``."""
    return f'{repository} [{len(references(resource))} item(s) in total]'


class Flow:
    """Lists the local Harbor's artifacts and runs an execution's tasks."""

    def __init__(self, settings, database, cache, jobs, records):  # pylint: disable=too-many-arguments
        self.settings = settings
        self.db = database
        self.jobs = jobs
        self.records = records
        self.timing = settings.timing
        self.source = ProxySource(settings, cache)

    # -- listing (11.3 step 2) -----------------------------------------------------------------------------------

    def fetch(self, policy):
        """``FetchArtifacts`` of the local Harbor: the projects the name filter's first component names (else all),
        their repositories passing the name filter, and in each the artifacts the artifact list answers (tagged, or
        untagged and no index's child), through the tag and label filters. Only what the database holds."""
        pattern = next((item['value'] for item in policy.filters if item['type'] == 'name'), '')
        names = filters.specific_names(pattern.split('/')[0]) if pattern else None
        projects = [self.settings.project(name.strip()) for name in names or ()]
        projects = [project for project in projects if project is not None] or list(self.settings.projects)
        found = []
        for project in projects:
            for repository in self.db.repositories():
                if not repository.startswith(project.name + '/') or not filters.repository_passes(policy.filters, repository):
                    continue
                rows = self.db.artifacts_of(repository)
                children = {child['child_digest'] for row, _tags in rows for child in row.references}
                listed = [{'digest': row.digest, 'tags': tags, 'labels': []} for row, tags in rows if tags or row.digest not in children]
                artifacts = filters.filter_artifacts(policy.filters, listed)
                if artifacts:
                    found.append(filters.Resource(repository, artifacts))
        return found

    # -- an execution --------------------------------------------------------------------------------------------

    def run(self, execution, policy, resources):
        """The job of one execution (``resources`` None: list them)."""
        self.jobs.sleep(self.timing.replication_delay)
        try:
            if resources is None:
                resources = self.fetch(policy)
            if not resources:
                self.records.mark(execution, 'Success', NOTHING)
                return
            names = [destination_name(item.repository, policy.dest_namespace, policy.dest_namespace_replace_count) for item in resources]
        except ValueError as exc:
            self.records.mark(execution, 'Error', str(exc))
            return
        registry = self.settings.registry(policy.dest_registry_id)
        planned = []
        for resource, name in zip(resources, names):
            operation = 'deletion' if resource.deleted else 'copy'
            task = self.records.add_task(execution, operation, resource_name(resource.repository, resource),
                                         resource_name(name, resource), ','.join(references(resource)))
            planned.append((task, resource, name))
        for task, resource, name in planned:
            self._task(execution, task, resource, name, policy.override, registry)

    def _task(self, execution, task, resource, name, override, registry):  # pylint: disable=too-many-arguments
        for attempt in range(1, self.timing.replication_max_fails + 1):
            task.run_count = attempt
            self.records.set_task(execution, task, 'Running')
            transfer = Transfer(task, self.source, Target(registry), self.jobs, self.timing)
            transfer.initialize(SOURCE_URL, registry.registry_type, registry.url)
            try:
                if resource.deleted:
                    done = transfer.delete(name, references(resource))
                else:
                    done = transfer.copy(resource.repository, references(resource), name, override)
            except Cancelled:
                raise
            except Exception as exc:  # pylint: disable=broad-exception-caught
                LOG.exception('replication task %d', task.task_id)
                task.write('ERROR', 'replication.go', f'the job failed: {exc}')
                done = False
            if done:
                self.records.set_task(execution, task, 'Success')
                return
            LOG.warning('replication task %d (execution %d): run %d failed', task.task_id, execution.execution_id, attempt)
            if attempt < self.timing.replication_max_fails:
                self.jobs.sleep(self.timing.replication_retry)
        self.records.set_task(execution, task, 'Error')
