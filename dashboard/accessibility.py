"""What every page needs to be accessible (BITV 2.0 / WCAG 2.1 AA) and German where Streamlit's
own markup is neither: the document language, contrast of captions, the navigation's list
semantics, English widget hints.

Streamlit offers no setting for these. The page adds a small style sheet and a script (through
`st.html`, run in the page itself); the script only sets attributes on elements Streamlit has
drawn and sets them again when Streamlit redraws them, it never adds or removes elements (React
owns them). The browser test runs axe-core on every page and fails on any serious finding.
"""

from __future__ import annotations

import streamlit as st

# Caption text and the sidebar note: Streamlit draws them at 60 % opacity, #828180 in effect (3,9:1 on
# white, 3,8:1 on the sidebar). #5c5b58 reaches 6,6:1 on white and 5,9:1 on the sidebar (WCAG AA asks 4,5:1).
# "Press Enter to apply" under text fields is English and cannot be translated: it is hidden (the
# fields apply on leaving them as well). Section headings are h2 under the page's h1 (no skipped
# level for screen readers), drawn at the size Streamlit gives a subheader.
STYLE = """
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stSidebar"] [data-testid="stCaptionContainer"] { color: #5c5b58 !important; opacity: 1 !important; }
[data-testid="InputInstructions"] { display: none !important; }
[data-testid="stMain"] [data-testid="stHeading"] h2 { font-size: 1.6rem; }
[data-testid="stMain"] [data-testid="stMarkdownContainer"] h3 { font-size: 1.25rem; }
</style>
"""

# The navigation is a <ul> whose children are section <div>s holding a header and <li>s (invalid
# list markup; axe: "list", "listitem"). Named groups of links are what it really is: the list
# roles are removed and each section becomes a group labelled by its header.
SCRIPT = """
<script>
(() => {
  const fix = () => {
    const root = document.documentElement;
    if (root.lang !== "de") root.lang = "de";
    const nav = document.querySelector('[data-testid="stSidebarNavItems"]');
    if (!nav) return;
    if (nav.getAttribute("role") !== "none") nav.setAttribute("role", "none");
    for (const section of nav.children) {
      // the header's text, without the name of its expand icon (a ligature in the same header)
      const name = section.querySelector('[data-testid="stNavSectionHeader"] [data-testid="stMarkdownContainer"]');
      if (name && section.getAttribute("role") !== "group") {
        section.setAttribute("role", "group");
        section.setAttribute("aria-label", name.textContent.trim());
      }
    }
    for (const item of nav.querySelectorAll("li")) {
      if (item.getAttribute("role") !== "none") item.setAttribute("role", "none");
    }
  };
  fix();
  if (!window.__xregionA11y) {
    window.__xregionA11y = new MutationObserver(fix);
    window.__xregionA11y.observe(document.body, {childList: true, subtree: true});
  }
})();
</script>
"""


def page_chrome() -> None:
    """Once per run, before the page: style sheet and attribute fixes (see the module's text)."""
    st.html(STYLE)  # style only: Streamlit puts it where it takes no room
    st.sidebar.html(SCRIPT, unsafe_allow_javascript=True)


def document_title(page_title: str) -> str:
    """The browser tab's title, e.g. "Karte – XRegion Monitor": a screen reader says it first."""
    return f"{page_title} – XRegion Monitor"
