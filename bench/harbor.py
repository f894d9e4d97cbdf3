# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cold warm of the fleet through the emulated Harbor (``proxy_hub``), each run on a fresh cache, rounds interleaved:
(d) curl reading every (repository, manifest or blob) once, (t) curl triggering every blob and confirming with HEADs
(trigger.py), (tb) the same with at most P stores awaiting confirmation, as the module keeps them, (a) the module
(blobs triggered, the default) and (r) the module reading every blob.

Besides the wall times: the client's CPU, Ansible's start-up measured apart (the module on one image no rule takes);
the blob bytes Harbor's access log says it sent towards the client; and upstream's blob bytes, against the bytes
Harbor stored (every (repository, blob) once).
"""

from __future__ import annotations

import os

from ansible_collections.prewarm.harbor.bench import ansible_run, fleet, fresh, machine, rules, shared, trigger


def startup_cpu(stand, platforms, workdir):
    """CPU seconds of the module's call when it has nothing to warm: Ansible's start-up and the module's own."""
    spent = machine.children_cpu_seconds()
    ansible_run.module({'images': ['nothing/matches:1'], 'proxy_caches': [rules.harbor(stand, platforms)]}, workdir)
    return machine.children_cpu_seconds() - spent


def run(stand, images, shape, options, workdir):
    """Every contender on the same images; each one's best run, and the figures the targets need."""
    parallel, repeat = options.parallel, options.repeat
    on_harbor = shared.in_project(stand, fleet.needed(images))
    stored = [fetch for fetch in on_harbor if fetch.kind == 'blobs' or ':' in fetch.reference]
    runs = fresh.best_of(repeat, stand, stored, {
        'd': lambda: shared.harbor_wire(stand, on_harbor, parallel, os.path.join(workdir, 'd')),
        't': lambda: trigger.run(on_harbor, parallel, os.path.join(workdir, 't'), stand.harbor_url),
        'tb': lambda: trigger.run_bounded(on_harbor, parallel, os.path.join(workdir, 'tb'), stand.harbor_url),
        'a': shared.harbor_module(stand, images, shape.platforms, parallel, os.path.join(workdir, 'a')),
        'r': shared.harbor_module(stand, images, shape.platforms, parallel, os.path.join(workdir, 'r'), trigger=False),
    })
    return {'fleet': fleet.describe(images), 'parallel': parallel, 'repeat': repeat, 'runs': runs,
            'warmed_bytes': sum(fetch.size for fetch in on_harbor if fetch.kind == 'blobs'),
            'startup_cpu_seconds': startup_cpu(stand, shape.platforms, os.path.join(workdir, 'startup'))}
