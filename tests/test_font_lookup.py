"""The command line's font lookup once per face (placegeo.cli.common.font_lookup_by_face) finds the font
matplotlib's own lookup finds, at every size a map uses."""

from __future__ import annotations


def test_fonts_found_by_face_are_the_fonts_found_by_size():
    from matplotlib import font_manager

    from placegeo.cli.common import font_lookup_by_face

    manager = font_manager.fontManager
    props = [font_manager.FontProperties(family=family, size=size, weight=weight)
             for family in ("DejaVu Sans", "DejaVu Serif", "sans-serif")
             for size in (6.0, 6.723169885150474, 8.8, 11.889049378748059, 24.0)
             for weight in ("normal", "bold")]
    before = [manager.findfont(p) for p in props]
    original = manager.__dict__.get("_findfont_cached")
    font_lookup_by_face()
    try:
        assert getattr(manager._findfont_cached, "by_face", False)  # every font here is scalable
        assert [manager.findfont(p) for p in props] == before
        assert len({manager.findfont(p) for p in props}) > 1  # the lookup still tells faces apart
    finally:
        if original is None:
            manager.__dict__.pop("_findfont_cached", None)
        else:
            manager._findfont_cached = original
