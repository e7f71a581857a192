"""The errors a service act raises, one family for the whole forum.

Services raise `NotAllowed` when the actor may not do the act at all (the
view answers 403, or 404 where existence must not show) and `Invalid` when
the request is allowed but cannot be carried out as given (the view shows the
message, which is already translated). Views run acts through
`forum.web.run_act`, which turns both into the right response and commits
once; the CLI prints the message.
"""


class ServiceError(Exception):
    """Base of every error a service raises on purpose; `str(error)` is a translated message."""


class NotAllowed(ServiceError):
    """The actor may not do this: a permission rule in `forum.policy` said no."""


class Invalid(ServiceError):
    """The act is allowed but the input or the object's state does not permit it."""
