"""The one exception type for bad user input.

Raised at the boundary (config validation, file parsing); the CLI turns it into a one-line message with
exit status 2, and pages show it with ``st.error`` instead of a traceback.
"""


class InputError(ValueError):
    """A user-supplied value is invalid; the message names the argument and the fix."""
