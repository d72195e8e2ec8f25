"""Printing a page with headless Chromium and reading back what the PDF drew.

Chromium (Skia) embeds a subset of each font it used with a ToUnicode map of exactly the
glyphs drawn, so the map's characters are the characters on the paper: a phrase whose
characters are all there, drawn with the CJK font, is visible Chinese text (a missing font
would draw boxes from no CJK font at all).
"""

import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from shared.http.auth import decode_token, issue_token
from shared.http.signed_links import sign_link
from shared.settings import PlatformSettings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# A4 in PDF points: 210 mm × 297 mm = 595.28 × 841.89 (Chromium writes 594.96 × 841.92).
A4 = (595.28, 841.89)
CJK_FONT = b"WenQuanYiZenHei"  # fonts-wqy-zenhei, installed with chromium by `make browser`

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make test installs it)"
)


def print_pdf(html: str, folder: Path, name: str = "page") -> bytes:
    """The page printed to PDF by headless Chromium, with no header or footer."""
    assert CHROMIUM is not None
    page, pdf = folder / f"{name}.html", folder / f"{name}.pdf"
    page.write_text(html, encoding="utf-8")
    subprocess.run(
        [CHROMIUM, *FLAGS, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return pdf.read_bytes()


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points."""
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def drawn_characters(pdf: bytes) -> set[str]:
    """Every character some embedded font drew (from the fonts' ToUnicode maps)."""
    found: set[str] = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(stream)
        except zlib.error:
            continue
        if b"begincmap" not in data:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
            for _, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                found.add(bytes.fromhex(target.decode()).decode("utf-16-be"))
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
            for low, high, start in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
            ):
                first = ord(bytes.fromhex(start.decode()).decode("utf-16-be"))
                found |= {chr(first + i) for i in range(int(high, 16) - int(low, 16) + 1)}
    return found


def assert_a4_with_chinese(pdf: bytes, *phrases: str) -> None:
    """Every page is A4, the CJK font is embedded and each phrase's characters were drawn."""
    sizes = page_sizes(pdf)
    assert sizes, "the PDF has no page"
    for width, height in sizes:
        assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1, (width, height)
    assert CJK_FONT in pdf, "the CJK font was not used"
    drawn = drawn_characters(pdf)
    for phrase in phrases:
        missing = {c for c in phrase if not c.isspace()} - drawn
        assert not missing, (phrase, sorted(missing))


def signed_path(platform: PlatformSettings, path: str, *roles: str, query: str = "") -> str:
    """A signed link to a printable, as the gateway hands one to a caller with these roles."""
    who = decode_token(platform, issue_token(platform, f"test-{'-'.join(roles)}", roles))
    return sign_link(platform, who, path, query).path
