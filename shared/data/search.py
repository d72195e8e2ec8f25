"""Name search as clerks type it (issue #19 item 3): a prefix, brackets of either width.

A stored name and the text typed are compared after the same normalisation: full-width
brackets （） become half-width (), so "某某（集团）" and "某某(集团)" are one name. The tables
keep the normalised name in a generated `name_key` column (NAME_KEY_SQL), indexed with
text_pattern_ops so that `name_key LIKE '张%'` is an index range scan.
"""

FULL_WIDTH, HALF_WIDTH = "（）", "()"
# The generated column's expression; migrations and models use it verbatim.
NAME_KEY_SQL = f"translate(name, '{FULL_WIDTH}', '{HALF_WIDTH}')"
_BRACKETS = str.maketrans(FULL_WIDTH, HALF_WIDTH)
_LIKE_SPECIALS = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


def name_key(text: str) -> str:
    """A name as the `name_key` column holds it: brackets half-width."""
    return text.translate(_BRACKETS)


def prefix_pattern(typed: str) -> str:
    """A LIKE pattern (backslash escapes) for names starting with what was typed."""
    return name_key(typed.strip()).translate(_LIKE_SPECIALS) + "%"
