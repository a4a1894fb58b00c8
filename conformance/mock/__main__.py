"""``python -m conformance.mock`` = ``iconf mock``."""

import sys

from .cli import main

sys.exit(main())
