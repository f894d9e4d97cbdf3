# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Child processes the stand owns: started with their output in a log file, waited for, stopped by pid."""

import os
import signal
import socket
import subprocess
import threading
import time

import requests


class StandError(RuntimeError):
    """A stand component failed; the message carries the end of its log."""


_HANDED_OUT = set()
_PORTS_LOCK = threading.Lock()


def free_port():
    """Return a TCP port on 127.0.0.1 that is free right now and was not handed out before by this process (the
    components bind theirs only when they start, so two calls could otherwise get the same port)."""
    with _PORTS_LOCK:
        while True:
            with socket.socket() as sock:
                sock.bind(('127.0.0.1', 0))
                port = sock.getsockname()[1]
            if port not in _HANDED_OUT:
                _HANDED_OUT.add(port)
                return port


def tail(path, lines=40):
    """Return the last ``lines`` lines of a log file ('' when missing)."""
    try:
        with open(path, 'rb') as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 200 * lines))
            return b'\n'.join(handle.read().splitlines()[-lines:]).decode('utf-8', 'replace')
    except FileNotFoundError:
        return ''


class ManagedProcess:
    """One long-running child listening on ``port``; ``ready_url`` is polled until it answers any HTTP status."""

    def __init__(self, name, argv, log_path, ready_url, port, stop_signal=signal.SIGTERM, env=None, verify=True):  # pylint: disable=too-many-arguments
        self.name = name
        self.verify = verify  # requests' verify for an HTTPS ready_url (the stand's CA)
        self.extra_env = dict(env or {})
        self.port = port
        self.argv = list(argv)
        self.log_path = log_path
        self.ready_url = ready_url
        self.stop_signal = stop_signal
        self._proc = None

    @property
    def running(self):
        """True while the child is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self):
        """Spawn the child (no waiting); environment variables that reconfigure the registry are dropped."""
        if self.running:
            return
        env = {k: v for k, v in os.environ.items() if not k.startswith('REGISTRY_')}
        env.update(self.extra_env)
        with open(self.log_path, 'ab') as log:
            log.write(f'--- {time.strftime("%H:%M:%S")} start: {" ".join(self.argv)}\n'.encode())
            log.flush()
            self._proc = subprocess.Popen(  # pylint: disable=consider-using-with
                self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def wait_ready(self, timeout=15.0):
        """Block until ``ready_url`` answers; raise StandError with the log tail if the child dies or stalls."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running:
                raise StandError(f'{self.name} exited ({self._proc and self._proc.returncode}):\n{tail(self.log_path)}')
            try:
                requests.get(self.ready_url, timeout=1, verify=self.verify)
                return
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise StandError(f'{self.name} not ready after {timeout}s:\n{tail(self.log_path)}') from None
                time.sleep(0.02)

    def stop(self, timeout=10.0):
        """Signal the child and reap it; kill it if it does not leave in time."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(self.stop_signal)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout)
        self._proc = None
