# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""The collection's errors: every problem it reports on purpose is one of two kinds.

An OptionError stops the task before anything is sent; an ImageError fails one image and the others go on.
The module and the action plugin catch these two (through _populate and the warmer) and nothing else, so
any other exception is a bug and shows its traceback.
"""

from __future__ import annotations


class PrewarmError(Exception):
    """Root of the errors this collection raises on purpose; the message says what is wrong and what to do."""


class OptionError(PrewarmError):
    """An option, or a file an option names, that cannot work: the task fails and nothing was sent anywhere."""


class ImageError(PrewarmError):
    """A problem of one image (its reference, its rule's URL, the cache's answers): that image fails alone."""
