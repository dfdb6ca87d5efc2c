"""The Compare page's sections run as this visitor's job (explorer/session.py,
explorer/compare_jobs.py): a start button, the live panel while it runs (progress, Stop and
what is done so far, redrawn from what the job publishes: nothing here trains), and how
the last run ended.

Each section is named by its work's session key ("compare", "memory", "adding",
"adding_sweep"): the job that is that section's, its result and its outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from explorer import session, state

LIVE_EVERY_S = 1.0  # the live panel redraws this often while the job runs
OTHER_JOB = "Another job of yours is running (see the sidebar): this one can start once it ends."


def section_job(key: str) -> Any:
    """This visitor's job when it is this section's (queued, running or not yet adopted)."""
    j = session.job()
    if j is not None and session.is_task(j) and j.work.key == key:
        return j
    return None


def start_button(
    section: str, label: str, key: str, request: Callable[[], Any], ok: bool = True
) -> None:
    """A primary button that starts `request()` (None: its settings said why not) as this
    visitor's job; disabled while any job of theirs runs (Stop is in the sidebar and in the
    running section), saying so when that job is not this section's."""
    busy = session.active()
    if st.button(label, type="primary", key=key, disabled=busy or not ok):
        req = request()
        if req is None:
            return
        refused = session.start(req)
        if refused:
            st.warning(refused)
            return
        st.rerun()  # redraw with the live panel
    if busy and section_job(section) is None:
        st.caption(OTHER_JOB)


def show(
    key: str,
    draw: Callable[[Any, bool], None],
    live_draw: Callable[[Any], None] | None = None,
) -> None:
    """The section's live panel while its job runs, else its last result and outcome.
    draw(result, live) draws a result (live: the part done so far, redrawn every second);
    live_draw(work), when given, draws the running job instead."""
    if section_job(key) is not None:
        live_panel(key, draw, live_draw)
        return
    outcome(key)
    found = state.get(key)
    if found is not None:
        draw(found, False)


@st.fragment(run_every=LIVE_EVERY_S)
def live_panel(key: str, draw: Callable[[Any, bool], None], live_draw=None) -> None:
    j = section_job(key)
    if j is None or not j.active:
        st.rerun()  # it ended: the whole page takes over the result
        return
    text, done = session.describe(j)
    if done is None:
        st.caption(text)
    else:
        st.progress(min(1.0, done), text=text)
    st.button("Stop", key=f"{key}_stop", on_click=session.stop, disabled=j.stop_asked)
    if live_draw is not None:
        live_draw(j.work)
    elif j.work.result is not None:
        draw(j.work.result, True)


def outcome(key: str) -> None:
    """How this section's last job ended, when not simply completed."""
    found = state.get("task_outcome")
    if not found or found["key"] != key or found["status"] == "completed":
        return
    say = st.error if found["status"] == "failed" else st.warning
    say(found["message"])
