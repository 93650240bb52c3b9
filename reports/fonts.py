"""A CJK-capable font for the pictures.

The README's set-up installs Debian's ``fonts-noto-cjk``; matplotlib finds it through its
font manager. Without any CJK font the pictures still render (Chinese characters then show
as boxes) and one warning says how to fix it.
"""
from __future__ import annotations

import warnings
from functools import lru_cache

__all__ = ["cjk_font", "font_family", "CJK_CANDIDATES"]

# Preferred families, first found wins. Sans faces read better in small labels.
CJK_CANDIDATES = (
    "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Sans SC", "Noto Sans TC",
    "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "Droid Sans Fallback", "AR PL UMing CN", "Noto Serif CJK SC",
)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed CJK font, or None (with one warning).

    Examples
    --------
    >>> name = cjk_font()
    >>> name is None or isinstance(name, str)
    True
    """
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_CANDIDATES:
        if name in installed:
            return name
    for name in sorted(installed):
        if "CJK" in name or "Han Sans" in name:
            return name
    warnings.warn("no CJK font found: Chinese labels will show as boxes. Install one, e.g. "
                  "`apt-get install fonts-noto-cjk` (see scripts/setup.sh)", RuntimeWarning, stacklevel=2)
    return None


def font_family() -> list[str]:
    """``font.family`` for matplotlib: the CJK font first (it also covers Latin), then DejaVu Sans."""
    name = cjk_font()
    return [name, "DejaVu Sans"] if name else ["DejaVu Sans"]
