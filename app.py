"""LSTM Explorer: the router. Pages live in pages/; shared helpers in explorer/."""

# Before torch is first imported (by a page): how OpenMP threads wait; each training then
# takes the cores free of other work (lstm_core/runtime/threads.py, benchmarks/README.md "Threads").
from lstm_core.runtime.threads import early_setup

early_setup()

from lstm_core.evaluation.references import warm_up_in_background  # noqa: E402

warm_up_in_background()  # Theta's numba code compiled in a process of its own, once

from explorer import router  # noqa: E402

router.run()
