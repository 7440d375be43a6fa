"""The one base class of the errors an agent can act on, shared by every layer.

A domain error (a règlement that cannot be read, a workbook the tool cannot use, a save that would lose
something, two versions of one dossier…) carries a French message that says what is wrong and what to do.
Every face shows it as it is: the command line as « Erreur : … », an Excel cell as « Erreur : … ». No layer
depends on the command line's own exception types.
"""


class AgentError(Exception):
    """A failure the agent can act on; ``str(error)`` is the French message."""
