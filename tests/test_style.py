"""The plain-text log tick labels (no mathtext) of relucheck.output.style."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from relucheck.output.style import SuperscriptLogFormatter, log_axis, subplots


@pytest.mark.parametrize("lo,hi", [(1e-5, 1e2), (2e-3, 9e-3), (0.3, 40.0)])
def test_superscript_labels_read_as_the_mathtext_ones(lo, hi):
    """Every label equals matplotlib's default mathtext label with the markup turned into
    Unicode: parse each back to a number and compare with the tick's value."""
    fig, ax = subplots(1, 1)
    ax.plot([lo, hi], [lo, hi])
    log_axis(ax, "y")
    ax.set_ylim(lo, hi)
    FigureCanvasAgg(fig).draw()
    back = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
    labelled = 0
    for axis_fmt, locs in ((ax.yaxis.get_major_formatter(), ax.yaxis.get_majorticklocs()),
                           (ax.yaxis.get_minor_formatter(), ax.yaxis.get_minorticklocs())):
        assert isinstance(axis_fmt, SuperscriptLogFormatter)
        axis_fmt.set_locs(locs)
        for x in locs:
            text = axis_fmt(x)
            if not text:
                continue
            assert "$" not in text and "\\" not in text
            coeff, _, power = text.rpartition("10")
            value = float(coeff.rstrip("×") or 1.0) * 10.0 ** int(power.translate(back) or 0) \
                if power else float(coeff)
            assert value == pytest.approx(x, rel=1e-9)
            labelled += 1
    assert labelled >= 1
