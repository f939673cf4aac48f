"""Small bar charts as inline SVG, drawn on the server: no chart library, no external service, no script."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR = "#2563eb"
AXIS = "#6b7280"
TEXT = "#111827"


def bar_chart(
    points: list[tuple[str, int]], *, title: str, width: int = 560, height: int = 220, empty: str = "No uses yet."
) -> SafeString:
    """Vertical bars, one per (label, value), with the value above each bar and the label below.

    Labels and the title are escaped; the markup is ``role="img"`` with the title as its accessible name.
    """
    left, right, top, bottom = 36, 12, 28, 44
    inner_w, inner_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="code-chart" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="system-ui, sans-serif" font-size="11">',
        f'<text x="{left}" y="16" font-size="13" font-weight="600" fill="{TEXT}">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + inner_h}" x2="{left + inner_w}" y2="{top + inner_h}" stroke="{AXIS}"/>',
    ]
    if not points:
        parts.append(
            f'<text x="{left + inner_w / 2:.1f}" y="{top + inner_h / 2:.1f}" text-anchor="middle" '
            f'fill="{AXIS}">{escape(empty)}</text>'
        )
    else:
        peak = max(value for _, value in points) or 1
        slot = inner_w / len(points)
        bar_w = max(min(slot * 0.7, 48), 2)
        label_every = max(1, round(len(points) / 12))  # at most about a dozen labels under the bars
        for i, (label, value) in enumerate(points):
            h = inner_h * value / peak
            x = left + slot * i + (slot - bar_w) / 2
            y = top + inner_h - h
            cx = x + bar_w / 2
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{BAR}" rx="2">'
                f"<title>{escape(label)}: {value}</title></rect>"
            )
            parts.append(f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" fill="{TEXT}">{value}</text>')
            if i % label_every == 0:
                parts.append(
                    f'<text x="{cx:.1f}" y="{top + inner_h + 16}" text-anchor="middle" fill="{AXIS}">'
                    f"{escape(_shorten(label))}</text>"
                )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text above is escaped


def _shorten(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
