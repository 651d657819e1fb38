"""The CJK font every rendered file uses: Noto Sans CJK SC, shipped by the `mplfonts` wheel.

Charts must not depend on the fonts of the machine that renders them (the users' servers are
closed networks with whatever fonts happen to be installed), so matplotlib is pointed at the
font file inside the wheel at runtime. Word documents name the same family for East-Asian
text (w:eastAsia); a reader without it gets Word's own substitution.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

CJK_FAMILY = "Noto Sans CJK SC"
FONT_FILE = "NotoSansCJKsc-Regular.otf"


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    if not path.exists():
        from ..errors import ConfigError

        raise ConfigError(f"找不到中文字体文件：{path}", "请重新安装依赖：pip install mplfonts")
    return path


@lru_cache(maxsize=1)
def use_cjk_font() -> str:
    """Register the packaged font with matplotlib and make it the default; returns its family name."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, rcParams

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [family, *rcParams["font.sans-serif"]]
    rcParams["axes.unicode_minus"] = False  # the CJK font lacks U+2212
    return family


def cjk_document():
    """A new python-docx Document whose text styles name CJK_FAMILY for every script, 12 pt body."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    for style in ("Normal", "Title", "Heading 1", "Heading 2"):
        rpr = doc.styles[style].element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.insert(0, fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
            fonts.set(qn(attr), CJK_FAMILY)
    doc.styles["Normal"].font.size = Pt(12)
    return doc
