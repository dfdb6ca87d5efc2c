"""`python -m lstm_core ...`: see lstm_core/cli.py."""

import os
import sys

# Before torch is imported: OpenMP threads sleep instead of spinning when a core is busy
# (benchmarks/README.md, "Threads").
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .cli import main

sys.exit(main())
