"""`python -m lstm_core ...`: see lstm_core/cli.py."""

import sys

# Before torch is imported: how OpenMP threads wait (lstm_core/runtime/threads.py); the thread
# count is decided per run from the load.
from lstm_core.runtime.threads import early_setup

early_setup()

from lstm_core.cli import main  # noqa: E402

sys.exit(main())
