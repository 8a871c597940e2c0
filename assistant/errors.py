"""Typed errors of the assistant.

Every error a user can cause or fix is an :class:`AssistantError` with a message that says what
went wrong and how to fix it. The CLI translates them once into a message and an exit code, the UI
into a visible warning; nothing else catches them.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: an error with a user-facing message (German or English, plain text)."""

    exit_code = 1


class ConfigError(AssistantError):
    """A setting (environment variable or CLI option) has an invalid value."""

    exit_code = 2


class DocumentError(AssistantError):
    """A single document cannot be read; ingestion of the other documents continues."""

    exit_code = 3


class ModelError(AssistantError):
    """A model is missing, corrupt or cannot be loaded; the message names the fix."""

    exit_code = 4


class IndexStateError(AssistantError):
    """The index is missing, corrupt, or was built with another embedding model."""

    exit_code = 5


class IndexMismatchError(IndexStateError):
    """The index was built with a different embedding model than the one configured."""


class InputError(AssistantError):
    """A user-supplied input (query file, question) is malformed."""

    exit_code = 2
