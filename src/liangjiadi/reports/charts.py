"""Draw a ChartSpec: a PNG with matplotlib (for Word, 200 dpi) or an ECharts option (for html).

Both read the same spec, so the web page and the Word document show the same figures.
Axis units follow the report formats: totals in 万元, ratios in %.
"""

from __future__ import annotations

import io
import math

from .fonts import use_cjk_font
from .view import ChartSpec

DPI = 200
PALETTE = ["#1f5fa8", "#d9822b", "#2e8b57", "#b03a48", "#6a5acd", "#808000", "#008b8b",
           # beyond seven series (a category's ten sub-codes): still one distinct colour each
           "#e377c2", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#ff9896", "#98df8a", "#c5b0d5", "#f7b6d2",
           "#9edae5", "#dbdb8d", "#393b79", "#637939"]


def _scale(kind: str) -> tuple[float, str]:
    """Divisor and axis label for a value kind."""
    if kind == "amount_total":
        return 10_000, "万元"
    if kind == "amount":
        return 1, "元"
    if kind == "percent":
        return 0.01, "%"
    return 1, ""


def _scaled(values, divisor):
    out = []
    for v in values:
        out.append(None if v is None or (isinstance(v, float) and math.isnan(v)) else round(v / divisor, 4))
    return out


# ---- PNG ----------------------------------------------------------------------------------------------


_HBAR_FRAMES: dict[tuple, tuple] = {}  # (categories, title) -> (figure, bars, background)


def _hbar_png(spec: ChartSpec, width: float) -> bytes:
    """The 定向推送 percentile chart. Every institution of a level group has the same labels and
    title, so the frame (axes, labels, title) is drawn once per process and only the bars are
    drawn for each institution (matplotlib blitting): five times faster with 500 institutions."""
    import matplotlib.pyplot as plt
    from PIL import Image

    key = (tuple(spec.categories), spec.title)
    frame = _HBAR_FRAMES.get(key)
    if frame is None:
        n = len(spec.categories)
        fig, ax = plt.subplots(figsize=(width, max(3.2, 0.22 * n + 0.8)), dpi=DPI)
        y = list(range(n))
        bars = ax.barh(y, [0] * n, color=PALETTE[0], height=0.6, animated=True)
        ax.axvline(50, color="#999999", linestyle="--", linewidth=1, zorder=0)
        ax.set_yticks(y, spec.categories, fontsize=7)
        ax.set_xlim(0, 100)
        ax.invert_yaxis()
        ax.set_title(spec.title, fontsize=10)
        ax.set_xlabel("同级百分位（50 为同级中位）", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
        fig.subplots_adjust(left=0.32, right=0.97, top=0.92, bottom=0.1)
        fig.canvas.draw()
        frame = (fig, ax, bars, fig.canvas.copy_from_bbox(fig.bbox))
        if len(_HBAR_FRAMES) > 16:  # a few label sets per release; keep memory bounded
            old = _HBAR_FRAMES.pop(next(iter(_HBAR_FRAMES)))
            plt.close(old[0])
        _HBAR_FRAMES[key] = frame
    fig, ax, bars, background = frame
    fig.canvas.restore_region(background)
    for bar, value in zip(bars, spec.series[0]["data"] if spec.series else []):
        bar.set_width(0 if value is None else value)
        ax.draw_artist(bar)
    image = Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=1, dpi=(DPI, DPI))
    return buffer.getvalue()


def to_png(spec: ChartSpec, width: float = 6.3, height: float = 3.2) -> bytes:
    use_cjk_font()
    import matplotlib.pyplot as plt

    if spec.kind == "hbar":
        return _hbar_png(spec, width)

    divisor, unit = _scale(spec.value_kind)
    fig, ax = plt.subplots(figsize=(width, height), dpi=DPI)
    try:
        x = list(range(len(spec.categories)))
        if spec.kind in ("line", "band"):
            if spec.band:
                lo, hi = _scaled(spec.band["lower"], divisor), _scaled(spec.band["upper"], divisor)
                idx = [i for i in x if lo[i] is not None and hi[i] is not None]
                ax.fill_between(idx, [lo[i] for i in idx], [hi[i] for i in idx], color="#9ecae1", alpha=0.5,
                                label="90%预测区间")
            for n, s in enumerate(spec.series):
                ys = _scaled(s["data"], divisor)
                idx = [i for i in x if ys[i] is not None]
                ax.plot(idx, [ys[i] for i in idx], marker="o", markersize=2.5, linewidth=1.5,
                        color=PALETTE[n % len(PALETTE)], label=s["name"],
                        linestyle="--" if "预测" in s["name"] else "-")
            step = max(1, len(x) // 8)
            ax.set_xticks(x[::step], [spec.categories[i] for i in x[::step]], fontsize=7, rotation=30)
        elif spec.kind == "box":
            data = spec.series[0]["data"] if spec.series else []
            stats = [{"whislo": b[0] / divisor, "q1": b[1] / divisor, "med": b[2] / divisor, "q3": b[3] / divisor,
                      "whishi": b[4] / divisor, "label": spec.categories[i]}
                     for i, b in enumerate(data) if None not in b]
            if stats:
                ax.bxp(stats, positions=list(range(len(stats))), showfliers=False, widths=0.5)
            pos = {c: i for i, c in enumerate(spec.categories)}
            for p in spec.points:
                if p.get("value") is None or p["group"] not in pos:
                    continue
                own = p.get("name") == "本院"
                ax.scatter([pos[p["group"]]], [p["value"] / divisor], s=40 if own else 8,
                           color="#b03a48" if own else "#555555", alpha=1 if own else 0.5, zorder=3,
                           label="本院" if own else None)
            ax.set_xticks(list(range(len(spec.categories))), spec.categories, fontsize=8)
        elif spec.kind == "stacked":
            bottom = [0.0] * len(x)
            for n, s in enumerate(spec.series):
                ys = [0.0 if v is None else v / divisor for v in s["data"]]
                ax.bar(x, ys, bottom=bottom, color=PALETTE[n % len(PALETTE)], label=s["name"], width=0.5)
                bottom = [b + y for b, y in zip(bottom, ys)]
            ax.set_xticks(x, spec.categories, fontsize=8)
        elif spec.kind == "rank":  # named institutions, largest first
            data = _scaled(spec.series[0]["data"] if spec.series else [], divisor)
            y = list(range(len(data)))
            ax.barh(y, [0 if v is None else v for v in data], color=PALETTE[0], height=0.6)
            ax.set_yticks(y, spec.categories, fontsize=7)
            ax.invert_yaxis()
            fig.set_size_inches(width, max(height, 0.25 * len(y) + 1))
            if unit:
                ax.set_xlabel(unit, fontsize=8)
                unit = ""
        else:  # bar
            for n, s in enumerate(spec.series):
                ax.bar(x, [0 if v is None else v / divisor for v in s["data"]], color=PALETTE[n % len(PALETTE)],
                       label=s["name"])
            ax.set_xticks(x, spec.categories, fontsize=8)
        ax.set_title(spec.title, fontsize=10)
        if unit:
            ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(axis="y", alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        if labels:
            ax.legend(fontsize=7, loc="best")
        # fixed margins: tight_layout draws the figure once more, which doubles the time per chart
        fig.subplots_adjust(left=0.3 if spec.kind == "rank" else 0.1, right=0.97, top=0.88,
                            bottom=0.2 if spec.kind in ("line", "band") else 0.12)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})  # zlib level 9 is slow
        return buffer.getvalue()
    finally:
        plt.close(fig)


# ---- ECharts ----------------------------------------------------------------------------------------------


def to_echarts(spec: ChartSpec) -> dict:
    """An ECharts option (JSON-serialisable) for the spec."""
    divisor, unit = _scale(spec.value_kind)
    option: dict = {
        "title": {"text": spec.title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis" if spec.kind in ("line", "band", "stacked", "bar", "hbar", "rank") else "item"},
        "grid": {"left": 60, "right": 20, "top": 50, "bottom": 60},
        "xAxis": {"type": "category", "data": spec.categories},
        "yAxis": {"type": "value", "name": unit, "scale": spec.kind in ("line", "band", "box")},
        "color": PALETTE,
        "series": [],
    }
    if spec.kind in ("line", "band"):
        option["legend"] = {"bottom": 0}
        if spec.band:
            lo, hi = _scaled(spec.band["lower"], divisor), _scaled(spec.band["upper"], divisor)
            option["series"] += [
                {"name": "区间下限", "type": "line", "data": lo, "stack": "band", "symbol": "none",
                 "lineStyle": {"opacity": 0}},
                {"name": "90%预测区间", "type": "line", "stack": "band", "symbol": "none", "lineStyle": {"opacity": 0},
                 "areaStyle": {"color": "#9ecae1", "opacity": 0.5},
                 "data": [None if a is None or b is None else round(b - a, 4) for a, b in zip(lo, hi)]},
            ]
        for s in spec.series:
            option["series"].append({"name": s["name"], "type": "line", "data": _scaled(s["data"], divisor),
                                     "connectNulls": False,
                                     "lineStyle": {"type": "dashed"} if "预测" in s["name"] else {}})
    elif spec.kind == "box":
        data = spec.series[0]["data"] if spec.series else []
        option["series"].append({"name": spec.series[0]["name"] if spec.series else "", "type": "boxplot",
                                 "data": [_scaled(b, divisor) for b in data]})
        points = [[p["group"], round(p["value"] / divisor, 4)] for p in spec.points if p.get("value") is not None]
        if points:
            own = any(p.get("name") == "本院" for p in spec.points)
            option["series"].append({"name": "本院" if own else "各机构", "type": "scatter", "data": points,
                                     "symbolSize": 12 if own else 6,
                                     "itemStyle": {"color": "#b03a48" if own else "#555555"}})
    elif spec.kind == "stacked":
        option["legend"] = {"bottom": 0}
        for s in spec.series:
            option["series"].append({"name": s["name"], "type": "bar", "stack": "total",
                                     "data": _scaled(s["data"], divisor)})
    elif spec.kind == "rank":
        option["xAxis"], option["yAxis"] = ({"type": "value", "name": unit},
                                            {"type": "category", "data": spec.categories, "inverse": True})
        option["grid"]["left"] = 200
        option["series"].append({"name": spec.series[0]["name"], "type": "bar",
                                 "data": _scaled(spec.series[0]["data"], divisor)})
    elif spec.kind == "hbar":
        option["xAxis"], option["yAxis"] = ({"type": "value", "min": 0, "max": 100, "name": "百分位"},
                                            {"type": "category", "data": spec.categories, "inverse": True})
        option["grid"]["left"] = 200
        option["series"].append({"name": spec.series[0]["name"], "type": "bar", "data": spec.series[0]["data"],
                                 "markLine": {"data": [{"xAxis": 50}], "symbol": "none"}})
    else:
        for s in spec.series:
            option["series"].append({"name": s["name"], "type": "bar", "data": _scaled(s["data"], divisor)})
    return option
