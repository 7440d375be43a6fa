"""What can go wrong in an exchange with démarches-simplifiées, each with a French message saying what to do.

Every message is written for the agent; none ever contains the token (the client never gives it to an
error). The command line shows ``str(error)`` and nothing else.
"""

from __future__ import annotations

from xlplugin.errors import AgentError


class DsError(AgentError):
    """A failure of an exchange with démarches-simplifiées; ``str()`` is the French message. ``partial``: when
    the failure stopped a run of writes midway, the result of what was written before it (a
    ``DecisionResult`` or an ``AnnotationResult``), which the caller shows and records: it is done."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.partial: object | None = None

    def __str__(self) -> str:
        return self.message


class JetonError(DsError):
    """The token cannot be used: missing, unreadable, in a file others can read, or malformed."""


class AuthError(DsError):
    """The platform refused the token: unknown, expired, read-only, or used from a network it does not allow."""


class AccessError(DsError):
    """The token is valid but does not reach the démarche or dossier asked for (or it does not exist)."""


class ApiError(DsError):
    """The API answered with an error that is neither about the token nor about the network."""


class NetworkError(DsError):
    """The platform could not be reached, or kept failing, after the retries; ``what``: the last failure."""

    def __init__(self, message: str, what: str | None = None) -> None:
        super().__init__(message)
        self.what = what


class ConfigurationError(DsError):
    """A local setting is wrong: the API address, the mapping of annotations, the choice of instructeur…"""
