"""parsers/inline.py on hand-written shapes the corpus holds rarely, each compared with what
markdown-it-py reads (tests/markdown_oracle.py, which shares no code with the parsers)."""

from __future__ import annotations

import markdown_oracle as oracle
import pytest

from aksnews.parsers.inline import links, plain_text

CASES = {
    "parentheses in a link target": (
        "[Disable OutboundNAT (Preview)](https://learn.example/nat#x:~:text=Windows%20(preview),"
        "-Windows) now supports WS2022."
    ),
    "two levels of parentheses": "See [the page](https://example.com/a_(b_(c))) first.",
    "a target in a second pair of parentheses": "[Azure CNS]((https://example.com/rel)) writes",
    "a '*' inside code spans": "Removed `alertRules/*`, and `Support/*` from the roles.",
    "emphasis and escapes inside code stay": "Set `**not bold**` and `a\\_b` as written.",
    "emphasis over a line break": "AKS now associates tables. *This does not\naffect others.*",
    "strong over a line break": "You must perform an **AKS cluster\nupgrade** to a later release",
    "an unmatched '*' stays": "Sizes marked * are preview; 2 * 3 is 6.",
    "underscores inside words stay": "Standard_DC2s_v2 and _emphasis_ here",
}


@pytest.mark.parametrize("markdown", CASES.values(), ids=CASES.keys())
def test_plain_text_and_links_read_as_markdown_it_does(markdown: str) -> None:
    assert plain_text(markdown) == oracle.plain_text(markdown)
    assert links(markdown) == oracle.links(markdown)


def test_hostile_text_is_kept_as_text() -> None:
    """Where CommonMark would take a line for raw HTML and drop it, aksnews keeps the words:
    a statement is shown, escaped by each renderer, rather than lost."""
    markdown = "<!channel> <script>alert(1)</script> **bold** `<b>` done"
    assert plain_text(markdown) == "<!channel> <script>alert(1)</script> bold <b> done"


def test_a_long_unclosed_link_target_is_linear() -> None:
    """Possessive quantifiers: a target that never closes costs no backtracking blow-up."""
    hostile = "[x](" + "(a" * 5_000 + " and more"
    assert plain_text(hostile).startswith("[x](")
