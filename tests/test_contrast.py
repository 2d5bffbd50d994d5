"""Text colours of the admin's stylesheet against the backgrounds they sit on meet WCAG
2.x AA for body text (4.5:1) — issue 16: the grey of secondary text measured 4.47:1."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).parents[1] / "src/patronage/static/css/app.css").read_text()
COLOURS = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})\b", CSS.split("}", 1)[0]))


def _luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_formula_matches_known_values():
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic near miss


@pytest.mark.parametrize(("text", "background"), [
    ("ink", "bg"), ("ink", "card"), ("muted", "bg"), ("muted", "card"),
    ("danger", "danger-soft"), ("ok", "ok-soft"), ("brand", "card"), ("brand-ink", "brand"),
])
def test_text_is_readable_on_its_background(text, background):
    assert contrast(COLOURS[text], COLOURS[background]) >= 4.5, (text, background)
