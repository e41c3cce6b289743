"""Streamlit building blocks shared by the pages: result card, copy-citation button, badges, scrolling."""

from __future__ import annotations

import html
import json

import streamlit as st

from app.ui import core, render
from indexer.corpus.models import Hit

# One delegated click handler per browser window; each copy button carries its text in data-copy.
_COPY_SCRIPT = """
<script>
if (!window.__soiCopy) {
  window.__soiCopy = true;
  document.addEventListener("click", async (ev) => {
    const b = ev.target.closest ? ev.target.closest("button.soi-copy") : null;
    if (!b) return;
    const text = b.dataset.copy || "";
    let ok = false;
    try { await navigator.clipboard.writeText(text); ok = true; } catch (e) {
      const t = document.createElement("textarea");
      t.value = text; t.style.position = "fixed"; t.style.opacity = "0";
      document.body.appendChild(t); t.select();
      try { ok = document.execCommand("copy"); } catch (e2) { ok = false; }
      t.remove();
    }
    if (!b.dataset.label) b.dataset.label = b.textContent;
    b.textContent = ok ? "Đã sao chép trích dẫn và nguyên văn" : "Không sao chép được, hãy bôi đen trích dẫn";
    b.dataset.copied = ok ? "1" : "0";
    setTimeout(() => { b.textContent = b.dataset.label; }, 2500);
  });
}
</script>
"""


COPY_LABEL = "Sao chép trích dẫn và nguyên văn"
COPY_TITLE = "Sao chép trích dẫn kèm nguyên văn điều khoản, để dán vào báo cáo"


def copy_button(text: str, label: str = COPY_LABEL, title: str = COPY_TITLE) -> None:
    """A button that puts `text` (the citation and the verbatim clause: `render.copy_text`) on the clipboard
    (browser Clipboard API, with a fallback); its tooltip says what is copied."""
    st.html(
        f'<button type="button" class="soi-copy" data-copy="{html.escape(text, quote=True)}" '
        f'title="{html.escape(title, quote=True)}">{html.escape(label)}</button>{_COPY_SCRIPT}',
        width="content",
        unsafe_allow_javascript=True,
    )


# Scrolls the element into view inside its pane (a fixed-height container), never the whole page. It waits for
# the element that carries this run's marker, not a stale one from the previous render.
_SCROLL_SCRIPT = """
<script>(function(){
const sel = %s, paneSel = %s, ratio = %s;
let n = 0;
const go = () => {
  const el = document.querySelector(sel);
  if (!el) { if (n++ < 50) setTimeout(go, 100); return; }
  const pane = el.closest(paneSel);
  if (!pane) return;
  let p = el.parentElement;
  while (p && !(p.scrollHeight > p.clientHeight + 2 && /(auto|scroll)/.test(getComputedStyle(p).overflowY))) {
    if (p === pane) { p = null; break; }
    p = p.parentElement;
  }
  if (p) p.scrollTop += el.getBoundingClientRect().top - p.getBoundingClientRect().top - 8 - ratio * p.clientHeight;
};
setTimeout(go, 150);
})();</script>
"""


def scroll_to(selector: str, pane: str, ratio: float = 0.0) -> None:
    """Once rendered, scroll the element matching `selector` inside its scrollable `pane` (CSS selector) so that
    it sits `ratio` of the pane's height from the top (0 = at the top)."""
    args = (json.dumps(selector), json.dumps(pane), json.dumps(ratio))
    st.html(_SCROLL_SCRIPT % args, unsafe_allow_javascript=True)


def badges(doc, status_label: str) -> None:
    st.markdown(render.badges_markdown(render.status_badges(doc, status_label)))


def _refs_line(hit: Hit) -> str:
    """«Dẫn chiếu: …» of the card (what the clause cites, its document's replacement), from the shared graph."""
    from indexer.rules.refs import graph_for

    searcher = core.get_searcher()
    return render.refs_line_html(graph_for(searcher), hit.clause, searcher.documents)


def _parallels_line(hit: Hit) -> str:
    """«Quy định chi tiết: …» / «Quy định tại: …» of the card (the reviewed parallel provisions)."""
    searcher = core.get_searcher()
    return render.parallels_line_html(searcher.parallels(hit.clause.id), searcher.clauses, searcher.documents)


def result_card(hit: Hit, query: str | None = None) -> None:
    """One answer: citation, validity badges, document facts, the clause with matched words, actions.

    `query`: the question as analysed (`QueryAnalysis.dense_text`: a question typed without diacritics, restored),
    whose whole words are marked; without it, the hit's own highlights."""
    from indexer.text.highlight import highlight_spans

    c, d = hit.clause, hit.document
    spans = highlight_spans(c.text, query) if query else hit.highlights
    with st.container(border=True, key=f"hit-{hit.rank}"):
        st.markdown(f"**{hit.rank}. {render.md_escape(hit.citation)}**")
        badges(d, hit.status_label)
        st.html(f'<p class="soi-meta">{html.escape(render.meta_line(d))}</p>')
        context = render.context_line(c)
        if context:
            st.html(f'<p class="soi-meta">{html.escape(context)}</p>')
        st.html(f'<div class="soi-text">{render.highlight_html(c.text, spans)}</div>')
        if hit.also:
            others = ", ".join(render.clause_phrase(a) for a in hit.also)
            st.html(f'<p class="soi-note">Cùng điều này cũng khớp: {html.escape(others)}</p>')
        refs = _refs_line(hit)
        if refs:
            st.html(refs)
        parallels = _parallels_line(hit)
        if parallels:
            st.html(parallels)
        with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
            st.page_link(
                core.PAGE_VAN_BAN,
                label="Mở trong văn bản",
                icon=":material/menu_book:",
                query_params={"doc": d.id, "clause": c.id},
            )
            copy_button(render.copy_text(hit.citation, c))
