"""`python -m bench`: the whole bench run (bench/harness.py)."""

import sys

from .harness import main

sys.exit(main())
