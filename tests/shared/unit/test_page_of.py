"""page_of cuts a list read whole into the same Page a list paged in SQL answers."""

from shared.http.pagination import page_of


def test_a_page_of_a_short_list() -> None:
    page = page_of(["a", "b", "c"], limit=2, offset=1)
    assert (page.items, page.total, page.limit, page.offset) == (["b", "c"], 3, 2, 1)


def test_an_offset_past_the_end_is_an_empty_page_with_the_total() -> None:
    page = page_of(["a", "b", "c"], limit=2, offset=5)
    assert (page.items, page.total) == ([], 3)
