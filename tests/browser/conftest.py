"""Browser tests: the server and page fixtures live in :mod:`harness`."""

from harness import browser_page, server  # noqa: F401 (fixtures)
