"""The one table the benchmark prints."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from .reads import Row


@dataclass
class Line:
    name: str
    size: str
    median: str
    p99: str
    ratio: str
    target: str
    verdict: str


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)
    extra: list[Line] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return [_read_line(row) for row in self.rows] + self.extra

    @property
    def passed(self) -> bool:
        return all(line.verdict != "FAIL" for line in self.lines)

    def note(self, name: str, unit: str, counts: list[int], *, target: int) -> None:
        ok = max(counts) <= target
        value = f"{statistics.median(counts):g} (max {max(counts)}, {len(counts)} trials)"
        self.extra.append(Line(name, unit, value, "", "", f"<= {target}", "pass" if ok else "FAIL"))

    def bulk(self, name: str, seconds: float, floor: float, floor_name: str, target: float) -> None:
        ratio = seconds / floor
        verdict = "pass" if ratio <= target else "FAIL"
        self.extra.append(
            Line(
                name,
                "",
                f"{seconds:.3f} s",
                "",
                f"{ratio:.2f}x of {floor:.3f} s ({floor_name})",
                f"<= {target:g}x",
                verdict,
            )
        )

    def render(self) -> str:
        header = Line("case", "size", "median", "p99", "ratio to floor", "target", "result")
        lines = [header, *self.lines]
        widths = [max(len(getattr(line, f)) for line in lines) for f in Line.__dataclass_fields__]
        out = []
        for index, line in enumerate(lines):
            cells = [getattr(line, f).ljust(w) for f, w in zip(Line.__dataclass_fields__, widths, strict=True)]
            out.append("| " + " | ".join(cells) + " |")
            if index == 0:
                out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        return "\n".join(out)


def _read_line(row: Row) -> Line:
    ratio = row.ratio
    ratio_text = "" if ratio is None or row.floor is None else f"{ratio:.2f}x {row.floor.name}"
    if row.target is None or ratio is None:
        target, verdict = "", ""
    else:
        target, verdict = f"<= {row.target:g}x", "pass" if ratio <= row.target else "FAIL"
    return Line(row.name, row.size, f"{row.case.median:.2f}", f"{row.case.p99:.2f}", ratio_text, target, verdict)
