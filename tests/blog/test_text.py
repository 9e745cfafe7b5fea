"""Excerpts and tag lists, from what authors type."""

import pytest

from blog.text import excerpt_from_html, parse_tag_names


@pytest.mark.parametrize(
    ("html", "excerpt"),
    [
        ("<h2>Title</h2><p>First &amp; <em>best</em>.</p><p>Second.</p>", "First & best."),
        ("<p> </p><p>After an empty one.</p>", "After an empty one."),
        ("<ul><li>Only a list</li></ul>", "Only a list"),
        ("<p>" + "word " * 50 + "</p>", "word " * 39 + "word…"),
        ("", ""),
    ],
)
def test_the_excerpt_is_the_opening_words_of_the_first_paragraph(html, excerpt):
    assert excerpt_from_html(html) == excerpt


def test_tags_are_split_trimmed_and_unique_by_address():
    assert parse_tag_names(" Lighting, studio  tips,lighting,, e-commerce ,!!") == [
        "Lighting",
        "studio tips",
        "e-commerce",
    ]
