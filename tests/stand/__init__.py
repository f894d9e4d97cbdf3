# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registry test stand for prewarm.harbor: upstream, an emulated Harbor and a plain pull-through proxy (see README.md)."""

from .model import BlobRef, Platform, PlatformImage, SeededImage
from .oracle import PullResult
from .process import StandError
from .stand import Stand

__all__ = ['BlobRef', 'Platform', 'PlatformImage', 'PullResult', 'SeededImage', 'Stand', 'StandError']
