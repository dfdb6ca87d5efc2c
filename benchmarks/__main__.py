"""`python -m benchmarks [--quick] [--json] [--large] ...`: see benchmarks/run.py."""

from lstm_core.runtime.threads import early_setup

early_setup()  # before torch loads, as the CLI and the app do

from benchmarks.run import main  # noqa: E402

raise SystemExit(main())
