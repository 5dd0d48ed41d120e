"""QR codes for check-in and redemption codes, as inline SVG when the ``segno`` package is present."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe


def qr_svg(text: str) -> SafeString | None:
    try:
        import segno
    except ModuleNotFoundError:
        return None
    qr = segno.make(text, error="m")
    svg = qr.svg_inline(scale=5, dark="#111", light="#fff")
    return mark_safe(svg)  # noqa: S308 — segno's own SVG of our own code string
