"""soi: entry script of the Streamlit UI (`soi app` = `streamlit run app/ui/Hoi_dap.py`).

It sets up the page and the navigation; each page lives in `views/` and only calls the `indexer` library.
The front page is «Hỏi đáp», hence the file name.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.ui import core

# The tab's icon ships with the app: a ":material/…:" page icon makes the browser fetch an SVG from fonts.gstatic.com
# on every page (an error offline).
FAVICON = Path(__file__).parent / "static" / "favicon.svg"

st.set_page_config(
    page_title="soi · Tra cứu quy định kiểm tra, giám sát, kỷ luật của Đảng",
    page_icon=str(FAVICON),
    layout="wide",
)
st.set_option("client.showErrorDetails", "none")  # a last resort: pages already turn errors into messages
# No ⋮ menu (its System/Light/Dark/Print/Record screen/About items are English and not needed) and no "Deploy";
# `soi app` passes the same option on the command line.
st.set_option("client.toolbarMode", "minimal")


def pages() -> dict[str, list[st.Page]]:
    """Every page of the UI, by sidebar section. This is the one place where a page is registered.

    A new page is a script `views/<name>.py` that renders inside `with core.guard(): main()` and calls only
    the library; register it here once it works (no placeholders).
    """
    return {
        "Tra cứu": [
            st.Page(core.PAGE_HOI_DAP, title="Hỏi đáp", icon=":material/question_answer:", url_path="hoi-dap",
                    default=True),
            st.Page(core.PAGE_VAN_BAN, title="Văn bản", icon=":material/menu_book:", url_path="van-ban"),
        ],
        "Nghiệp vụ": [
            st.Page("views/kiem_tra.py", title="Kiểm tra", icon=":material/checklist:", url_path="kiem-tra"),
        ],
        "Luyện tập": [
            st.Page("views/on_tap.py", title="Ôn tập", icon=":material/quiz:", url_path="on-tap"),
        ],
        "Quản lý": [
            st.Page("views/kho_du_lieu.py", title="Kho dữ liệu", icon=":material/database:", url_path="kho-du-lieu"),
        ],
    }


core.inject_css()
st.navigation(pages()).run()
