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
from typing import Any

from ansible import constants as C
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.plugins.action.normal import ActionModule as ModuleAction

from ansible_collections.prewarm.harbor.plugins.module_utils._argspec import validate
from ansible_collections.prewarm.harbor.plugins.module_utils._errors import OptionError
from ansible_collections.prewarm.harbor.plugins.module_utils._populate import outcome
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import REQUESTS_IMPORT_ERROR

# One registry client per worker process and set of connection options: the images of a loop (a lane of the
# companion playbook) reuse its connections, the cache's auth challenge and flavour, and its tokens, instead of
# paying a ping and a 401 per image. Keyed by process too: a forked worker must not use its parent's sockets.
_REGISTRIES: dict[int, dict[Any, Any]] = {}


class ActionModule(ModuleAction):
    """In-process where that changes nothing but the cost; the module otherwise, as any module runs."""

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        if not self._runs_here(task_vars or {}):
            return super().run(tmp, task_vars)
        result = ActionBase.run(self, tmp, task_vars)  # the common checks (raw parameters, check mode), no module
        result.update(self._run_in_process())
        return result

    def _runs_here(self, task_vars: dict[str, Any]) -> bool:
        # ansible_python_interpreter, else ANSIBLE_PYTHON_INTERPRETER or ansible.cfg.
        interpreter = str(self._templar.template(C.config.get_config_value('INTERPRETER_PYTHON', variables=task_vars)))
        return runs_in_process(getattr(self._connection, 'transport', None), self._play_context.become, self._task.async_val,
                               self._task.environment, interpreter)

    def _run_in_process(self) -> dict[str, Any]:
        """What AnsibleModule would do: validate, run, mask no_log values, report warnings."""
        try:
            params, secrets = validate(self._task.args, self._task.action)
        except OptionError as exc:
            return dict(failed=True, msg=str(exc))
        result = outcome(params, self._task.check_mode, _REGISTRIES.setdefault(os.getpid(), {}))
        result['invocation'] = dict(module_args=params)
        return remove_values(result, secrets)


# The five facts that decide, each from another part of the task, and the import error tests substitute.
def runs_in_process(transport: str | None, become: bool, async_val: int, environment: list[dict[str, Any]] | None,  # pylint: disable=too-many-arguments
                    interpreter: str, requests_missing: str | None = REQUESTS_IMPORT_ERROR) -> bool:
    """Whether the module process would be this machine, this user, this Python and this environment.

    ``environment`` is the task's list of mappings (play, block, task), [{}] when none is set. An ``interpreter``
    "auto..." would be discovered, and this Python, which runs Ansible, serves as well; one named is honoured.
    """
    if requests_missing or async_val or any(environment or ()) or become or transport != 'local':
        return False
    return interpreter.startswith('auto') or _is_this_python(interpreter)


def _is_this_python(path: str) -> bool:
    """The same binary in the same directory: a venv is known by where its python is, so python and python3 in
    one venv are the same Python, and the base interpreter a venv links to is not."""
    try:
        return os.path.samefile(path, sys.executable) and os.path.samefile(os.path.dirname(path), os.path.dirname(sys.executable))
    except OSError:
        return False
