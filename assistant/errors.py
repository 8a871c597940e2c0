"""Typed errors of the assistant.

Every error a user can cause or fix is an :class:`AssistantError` with a message that says what
went wrong and how to fix it: a message id of :mod:`assistant.messages` and its parameters, so that
it can be shown in the user's language. The CLI translates them once into a message and an exit
code, the UI into a visible warning, each rendered with :meth:`AssistantError.render`; nothing else
catches them.
"""

from __future__ import annotations

from typing import Any

from .messages import DEFAULT_LANGUAGE, Message


class AssistantError(Exception):
    """Base class: an error with a user-facing message, e.g. ``DocumentError("doc.empty", name=name)``.

    ``str(error)`` is the German text (the default language); :meth:`render` gives any language.
    """

    exit_code = 1

    def __init__(self, msg_id: str, /, **params: Any) -> None:
        self.message = Message(msg_id, **params)
        super().__init__(self.message.render())

    def render(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The message in ``language``."""
        return self.message.render(language)


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


class BriefingCancelled(AssistantError):
    """The user stopped an advisory briefing; nothing was written."""

    exit_code = 130


class InputError(AssistantError):
    """A user-supplied input (query file, question) is malformed."""

    exit_code = 2
