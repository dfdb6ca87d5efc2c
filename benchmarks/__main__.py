"""`python -m benchmarks [--quick] [--json] [--large] ...`: see benchmarks/run.py."""

from benchmarks.run import main

raise SystemExit(main())
