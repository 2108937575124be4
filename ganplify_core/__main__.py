"""``python -m ganplify_core``: run any experiment headless (see :mod:`ganplify_core.cli`)."""

import sys

from ganplify_core.cli import main

sys.exit(main())
