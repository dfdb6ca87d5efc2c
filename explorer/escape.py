"""Text from a file or a user made inert for Streamlit's markdown (issue 22: one home).

Column names, file names and error sentences that quote them are shown through
st.markdown / st.caption / st.info, which would read `*`, `_`, `[`, `<`, ... as markup.
"""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def md_escape(text: object) -> str:
    """Text from a file made inert for st.markdown/st.caption (every markup char escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")
