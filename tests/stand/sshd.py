# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An OpenSSH server on 127.0.0.1 and a free port, for a runner host reached the way an inventory reaches one.

A host key and a client key are made here; root logs in by that key only. ``inventory_vars`` are the inventory
variables that reach it (with its host key pinned, nothing is accepted blindly).
"""

import os
import shutil
import socket
import subprocess
import time

from . import process

SSHD = '/usr/sbin/sshd'


class SSHServer:
    """``with SSHServer(workdir) as server:`` a running sshd; its log is ``server.log_path``."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.port = process.free_port()
        self.log_path = os.path.join(workdir, 'sshd.log')
        self.client_key = os.path.join(workdir, 'client_key')
        self.known_hosts = os.path.join(workdir, 'known_hosts')
        self._proc = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        if not os.path.exists(SSHD):
            raise process.StandError('%s is missing: run make test, which installs openssh-server' % SSHD)
        os.makedirs(self.workdir, exist_ok=True)
        host_key = os.path.join(self.workdir, 'host_key')
        for key in (host_key, self.client_key):
            subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key], check=True)
        shutil.copy(self.client_key + '.pub', os.path.join(self.workdir, 'authorized_keys'))
        with open(host_key + '.pub', encoding='ascii') as handle:
            public = handle.read().split()
        with open(self.known_hosts, 'w', encoding='ascii') as handle:
            handle.write('[127.0.0.1]:%d %s %s\n' % (self.port, public[0], public[1]))
        config = os.path.join(self.workdir, 'sshd_config')
        with open(config, 'w', encoding='ascii') as handle:
            handle.write('\n'.join([
                'ListenAddress 127.0.0.1', 'Port %d' % self.port, 'HostKey %s' % host_key,
                'PidFile %s' % os.path.join(self.workdir, 'sshd.pid'),
                'AuthorizedKeysFile %s' % os.path.join(self.workdir, 'authorized_keys'),
                'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
                'UsePAM no', 'StrictModes no', 'Subsystem sftp internal-sftp', 'LogLevel VERBOSE', '']))
        os.makedirs('/run/sshd', mode=0o755, exist_ok=True)  # its privilege separation directory
        with open(self.log_path, 'ab') as log:
            self._proc = subprocess.Popen(  # pylint: disable=consider-using-with
                [SSHD, '-D', '-e', '-f', config], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 10
        while True:
            if self._proc.poll() is not None:
                raise process.StandError('sshd exited (%s):\n%s' % (self._proc.returncode, process.tail(self.log_path)))
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise process.StandError('sshd not listening after 10 s:\n%s' % process.tail(self.log_path)) from None
                time.sleep(0.05)

    def stop(self):
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(10)
        self._proc = None

    def inventory_vars(self, python):
        """Inventory variables of a host reached through this server, running modules with ``python``."""
        return {
            'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1', 'ansible_port': self.port, 'ansible_user': 'root',
            'ansible_ssh_private_key_file': self.client_key, 'ansible_python_interpreter': python,
            'ansible_ssh_common_args': '-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'
                                       % self.known_hosts,
        }

    def logins(self):
        """How many times a client logged in by key."""
        with open(self.log_path, encoding='utf-8', errors='replace') as handle:
            return handle.read().count('Accepted publickey for root')
