# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run harbor_proxy_cache_populate inside the worker when the module would run on this machine anyway.

A module runs as a new Python process that unpacks its payload and compiles ansible.module_utils from a zip
on every call: about half a CPU-second, paid per image when the playbook warms each image as its own host.
With a local connection, no become, no async, no task environment and the controller's own Python, that
process would be a copy of this one, so the same code runs here instead, with the same argument validation
and the same result. In every other case the module runs as usual, wherever the task says.
"""

from __future__ import annotations

import os
import sys

from ansible import constants as C
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase
from ansible.plugins.action.normal import ActionModule as ModuleAction

from ansible_collections.prewarm.harbor.plugins.module_utils._argspec import SPEC
from ansible_collections.prewarm.harbor.plugins.module_utils._populate import outcome
from ansible_collections.prewarm.harbor.plugins.module_utils._registry import REQUESTS_IMPORT_ERROR

# One registry client per worker process and set of connection options: the images of a loop (a lane of the
# companion playbook) reuse its connections, the cache's auth challenge and flavour, and its tokens, instead of
# paying a ping and a 401 per image. Keyed by process too: a forked worker must not use its parent's sockets.
_REGISTRIES = {}


class ActionModule(ModuleAction):
    """In-process where that changes nothing but the cost; the module otherwise, as any module runs."""

    def run(self, tmp=None, task_vars=None):
        if not self._runs_here(task_vars or {}):
            return super().run(tmp, task_vars)
        result = ActionBase.run(self, tmp, task_vars)  # the common checks (raw parameters, check mode), no module
        result.update(self._run_in_process())
        return result

    def _runs_here(self, task_vars):
        """Whether the module process would be this machine, this user, this Python and this environment."""
        # environment is a list of mappings (play, block, task), [{}] when none is set.
        if REQUESTS_IMPORT_ERROR or self._task.async_val or any(self._task.environment or ()) or self._play_context.become:
            return False
        if getattr(self._connection, 'transport', None) != 'local':
            return False
        # ansible_python_interpreter, else ANSIBLE_PYTHON_INTERPRETER or ansible.cfg; "auto..." would discover one, and
        # this Python, which runs Ansible, serves as well. An interpreter named explicitly is honoured.
        interpreter = str(self._templar.template(C.config.get_config_value('INTERPRETER_PYTHON', variables=task_vars)))
        return interpreter.startswith('auto') or _is_this_python(interpreter)

    def _run_in_process(self):
        """What AnsibleModule would do: validate, run, mask no_log values, report warnings."""
        validated = ArgumentSpecValidator(**SPEC).validate(dict(self._task.args))
        if validated.error_messages:
            msg = validated.errors.msg
            if isinstance(validated.errors[0], UnsupportedError):
                msg = 'Unsupported parameters for (%s) module: %s' % (self._task.action, msg)
            return dict(failed=True, msg=msg)
        params = validated.validated_parameters
        result = outcome(params, self._task.check_mode, _REGISTRIES.setdefault(os.getpid(), {}))
        result['invocation'] = dict(module_args=params)
        return remove_values(result, validated._no_log_values)


def _is_this_python(path):
    """The same binary in the same directory: a venv is known by where its python is, so python and python3 in
    one venv are the same Python, and the base interpreter a venv links to is not."""
    try:
        return os.path.samefile(path, sys.executable) and os.path.samefile(os.path.dirname(path), os.path.dirname(sys.executable))
    except OSError:
        return False
