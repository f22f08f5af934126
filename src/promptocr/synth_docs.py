"""Synthetic document pages with a known reading order: newspapers and papers, English and Chinese.

Each generator draws a page with the project's fonts and returns it with its reference: the
blocks in the order a person reads them (headline, then the article's columns left to right,
then the next article; a figure before its caption; a table after its caption), as Markdown the
way `parse` is asked to write it (headers and footers left out). They power the parse tests and
`promptocr bench --parse`.

- `newspaper(columns=3..5, lang="en"|"zh")`: a running head, a headline spanning every column
  over an article set in narrow justified columns with a picture and its caption, a rule, then
  a second article under a headline spanning all but the last column, and a boxed article in
  the last column; a page number at the foot. Gutters are narrow (about one character), so a
  text detector working on the downscaled page tends to run neighbouring columns together.
- `paper(lang=...)`: a running head like `156 Journal ...`, a title and authors across the page,
  then two columns with section headings, paragraphs, a display formula with its number, a
  table with its caption above it, and a figure with its caption below it.

Text is drawn from a fixed vocabulary with a seeded random generator, so a page is the same on
every run and the reading order can be checked to the character.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from typing import Any

from PIL import ImageFont

from promptocr.synth import Canvas, DrawnLine, font


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


EN_WORDS = _words(
    "the council said river water bridge city market farmers price harvest season rain road "
    "school children teacher year plan new old people work report station train north south "
    "east west village town county board members vote budget money public health hospital "
    "doctors nurses program local state office service week month morning evening night "
    "weather storm wind cold warm summer winter spring autumn field crop wheat rice tea coffee "
    "factory workers wages energy power solar panels grid cost homes families streets traffic "
    "bus line open close build repair museum library books readers garden park trees birds "
    "fish boats harbour ships cargo port trade export import company shares profit growth "
    "survey data results study team science lab test samples answer question court judge law "
    "police safety fire club match players coach goal final league stadium crowd music concert"
)

ZH_WORDS = _words(
    "财政 助农 福建 茶农 迎来 春天 工程 农业 信息 平台 系统 建设 城市 乡村 发展 经济 市场 "
    "价格 收入 增长 企业 工人 技术 创新 服务 公共 交通 铁路 公路 桥梁 学校 教育 学生 老师 "
    "医院 医生 健康 保障 政策 规划 项目 资金 投入 地区 全国 我国 今年 去年 目前 记者 了解 "
    "据悉 表示 介绍 成为 推动 完成 提高 加强 保护 环境 水利 河流 森林 生态 能源 电力 电网 "
    "天气 降雨 气温 冬季 夏季 群众 居民 社区 文化 旅游 体育 比赛 观众 图书 科学 研究 数据"
)

EN_HEADLINES = [
    "Council approves new bridge over the river",
    "Farmers expect a record tea harvest",
    "Night trains return to the north line",
    "Harbour trade grows for a third year",
    "Library opens late for summer readers",
]
ZH_HEADLINES = [
    "财政助农 福建茶农迎来又一春",
    "城市公共交通服务全面提升",
    "乡村教育项目资金投入增长",
    "河流生态保护工程顺利完成",
    "社区文化体育活动丰富多彩",
]


@dataclass
class RefBlock:
    """One block of the reference in reading order. `kind`: title, text, table, caption,
    figure, equation, header or footer (the last two are not part of the reference Markdown)."""

    kind: str
    text: str = ""
    rows: list[list[str]] | None = None  # tables
    level: int = 1  # titles: 1 = `#`, 2 = `##`
    box: tuple[int, int, int, int] | None = None

    def markdown(self, figure_name: str = "") -> str:
        if self.kind == "title":
            return "#" * self.level + " " + self.text
        if self.kind == "caption":
            return f"*{self.text}*"
        if self.kind == "equation":
            return f"$$\n{self.text}\n$$"
        if self.kind == "figure":
            return f"![figure]({figure_name})"
        if self.kind == "table":
            return table_html(self.rows or [])
        return self.text


def table_html(rows: list[list[str]]) -> str:
    """`<table>` with the first row as `<thead>` (the shape `parse` writes)."""
    if not rows:
        return ""

    def tr(row: list[str]) -> str:
        return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"

    head = "<thead>" + tr(rows[0]) + "</thead>"
    body = "<tbody>" + "".join(tr(r) for r in rows[1:]) + "</tbody>"
    return "<table>" + head + body + "</table>"


@dataclass
class DocPage:
    """A drawn page and its reference blocks in reading order."""

    name: str
    lang: str
    canvas: Canvas
    blocks: list[RefBlock] = field(default_factory=list)

    @property
    def body(self) -> list[RefBlock]:
        return [b for b in self.blocks if b.kind not in ("header", "footer")]

    def markdown(self, page: int = 1) -> str:
        """The reference Markdown (headers and footers dropped, figures named like parse)."""
        parts: list[str] = []
        k = 0
        for b in self.body:
            name = ""
            if b.kind == "figure":
                k += 1
                name = f"page-{page}-figure-{k}.png"
            parts.append(b.markdown(name))
        return "\n\n".join(parts) + "\n"

    def to_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lang": self.lang,
            "markdown": self.markdown(),
            "blocks": [{"kind": b.kind, "text": b.text, "box": b.box} for b in self.blocks],
        }


# --------------------------------------------------------------------------------------------
# Text


def en_paragraph(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        words = [rng.choice(EN_WORDS) for _ in range(rng.randint(7, 14))]
        words[0] = words[0].capitalize()
        if rng.random() < 0.3:
            words.insert(rng.randint(1, len(words) - 1), str(rng.randint(2, 1990)))
        out.append(" ".join(words) + ".")
    return " ".join(out)


def zh_paragraph(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences * 2):
        n = rng.randint(6, 11)
        words = [rng.choice(ZH_WORDS) for _ in range(n)]
        cut = rng.randint(2, n - 2)
        out.append("".join(words[:cut]) + "，" + "".join(words[cut:]) + "。")
    return "".join(out)


def _wrap_en(text: str, f: ImageFont.FreeTypeFont, width: int) -> list[list[str]]:
    lines: list[list[str]] = []
    cur: list[str] = []
    for w in text.split():
        if cur and f.getlength(" ".join([*cur, w])) > width:
            lines.append(cur)
            cur = [w]
        else:
            cur.append(w)
    if cur:
        lines.append(cur)
    return lines


def _wrap_zh(text: str, size: int, width: int) -> list[list[str]]:
    per = max(1, width // size)
    chars = list(text)
    return [chars[i : i + per] for i in range(0, len(chars), per)]


class Writer:
    """Draws justified text lines (word by word, or character by character for Chinese) and
    keeps the line boxes on the canvas."""

    def __init__(self, canvas: Canvas, lang: str, size: int) -> None:
        self.c = canvas
        self.lang = lang
        self.size = size
        self.font = font(size, cjk=lang == "zh")
        self.line_h = int(size * 1.45)

    def wrap(self, text: str, width: int) -> list[list[str]]:
        if self.lang == "zh":
            return _wrap_zh(text, self.size, width)
        return _wrap_en(text, self.font, width)

    def line(self, x: int, y: int, pieces: list[str], width: int, justify: bool) -> None:
        f = self.font
        draw = self.c.draw
        if self.lang == "zh":
            step = width / len(pieces) if justify else float(self.size)
            for i, ch in enumerate(pieces):
                draw.text((x + round(i * step), y), ch, font=f, fill="black")
            text = "".join(pieces)
            right = x + round((len(pieces) - 1) * step) + self.size
        else:
            widths = [f.getlength(w) for w in pieces]
            space = f.getlength(" ")
            if justify and len(pieces) > 1:
                space = (width - sum(widths)) / (len(pieces) - 1)
            cx = float(x)
            for w, wd in zip(pieces, widths, strict=True):
                draw.text((round(cx), y), w, font=f, fill="black")
                cx += wd + space
            text = " ".join(pieces)
            right = round(cx - space)
        top, bottom = y + int(self.size * 0.1), y + int(self.size * 1.15)
        self.c.lines.append(DrawnLine(text, (x, top, right, bottom)))


def _flow(
    w: Writer,
    paragraphs: list[str],
    cols: list[tuple[int, int]],
    y0: int,
    y_top: list[int] | None = None,
) -> int:
    """Set paragraphs in columns (x, width) starting at y0 (or per-column tops), balancing the
    lines over the columns; returns the bottom y."""
    width = cols[0][1]
    items: list[tuple[list[str], bool] | None] = []  # (pieces, justify) or None = paragraph gap
    for k, p in enumerate(paragraphs):
        lines = w.wrap(p, width)
        for i, ln in enumerate(lines):
            items.append((ln, i < len(lines) - 1))
        if k < len(paragraphs) - 1:
            items.append(None)
    tops = y_top or [y0] * len(cols)
    # balance: each column gets lines until the running bottoms are level
    total = sum(w.line_h if it else w.line_h // 2 for it in items) + sum(t - y0 for t in tops)
    per = total / len(cols)
    col, y, bottom = 0, tops[0], y0
    for it in items:
        step = w.line_h if it else w.line_h // 2
        if col < len(cols) - 1 and y + step - y0 > per + w.line_h * 0.5:
            col += 1
            y = tops[col]
            if it is None:
                continue
        if it is not None:
            w.line(cols[col][0], y, it[0], width, it[1])
        y += step
        bottom = max(bottom, y)
    return max(bottom, *tops)


def _picture(c: Canvas, box: tuple[int, int, int, int], rng: random.Random) -> None:
    """A grey photo-like picture: sky, hills, a sun; no text."""
    x0, y0, x1, y1 = box
    d = c.draw
    d.rectangle(box, fill=(198, 212, 226))
    h = y1 - y0
    for k in range(3):
        base = y0 + int(h * (0.55 + 0.12 * k))
        pts = [(x0, y1)]
        for i in range(9):
            px = x0 + (x1 - x0) * i // 8
            pts.append((px, base - rng.randint(0, h // 6)))
        pts.append((x1, y1))
        g = 150 - 35 * k
        d.polygon(pts, fill=(g - 20, g, g - 30))
    r = h // 9
    cx, cy = x1 - 3 * r, y0 + 2 * r
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(250, 230, 150))


def _rule(c: Canvas, x0: int, x1: int, y: int, width: int = 2) -> None:
    c.draw.line((x0, y, x1, y), fill="black", width=width)


# --------------------------------------------------------------------------------------------
# Pages


def newspaper(
    columns: int = 3,
    lang: str = "en",
    seed: int = 0,
    width: int = 1400,
    size: int = 20,
    gutter: int | None = None,
) -> DocPage:
    """A newspaper page with `columns` (3-5) narrow justified columns; see the module doc.
    `gutter` is the space between columns in pixels (default: the text size)."""
    if not 3 <= columns <= 5:
        raise ValueError("columns must be 3 to 5")
    rng = random.Random(seed * 31 + columns * 7 + (1 if lang == "zh" else 0))
    para = (lambda n: zh_paragraph(rng, n)) if lang == "zh" else (lambda n: en_paragraph(rng, n))
    heads = list(ZH_HEADLINES if lang == "zh" else EN_HEADLINES)
    rng.shuffle(heads)
    margin = 40
    gutter = gutter if gutter is not None else max(14, size)
    col_w = (width - 2 * margin - (columns - 1) * gutter) // columns
    cols = [(margin + i * (col_w + gutter), col_w) for i in range(columns)]
    height = int(width * 1.32)
    c = Canvas(width, height)
    w = Writer(c, lang, size)
    blocks: list[RefBlock] = []

    # running head
    hs = max(12, int(size * 0.75))
    head = (
        "江城日报  2026年11月28日 星期六  第3版"
        if lang == "zh"
        else "THE RIVERSIDE TIMES  Saturday, November 28, 2026  Page A3"
    )
    ln = c.text((margin, 20), head, size=hs)
    blocks.append(RefBlock("header", head, box=ln.box))
    _rule(c, margin, width - margin, 24 + int(hs * 1.4))
    y = 34 + int(hs * 1.4) + 10

    # article 1: headline over every column, picture + caption on top of column 1
    hl = c.text((margin, y), heads[0], size=int(size * 2.3))
    blocks.append(RefBlock("title", heads[0], box=hl.box))
    y = hl.box[3] + int(size * 0.9)
    pic_h = int(col_w * 0.7)
    pic = (cols[0][0], y, cols[0][0] + col_w, y + pic_h)
    _picture(c, pic, rng)
    cap_size = max(12, int(size * 0.8))
    cap_text = (
        "图为茶农在山上采茶" if lang == "zh" else "Farmers pick tea on the hills above the town."
    )
    cap_lines = Writer(c, lang, cap_size).wrap(cap_text, col_w)
    cy = pic[3] + 8
    cap_w = Writer(c, lang, cap_size)
    for pieces in cap_lines:
        cap_w.line(cols[0][0], cy, pieces, col_w, False)
        cy += cap_w.line_h
    blocks.append(RefBlock("figure", box=pic))
    blocks.append(RefBlock("caption", cap_text))
    body1 = [para(rng.randint(3, 5)) for _ in range(columns + 1)]
    tops = [cy + int(size * 0.8)] + [y] * (columns - 1)
    bottom = _flow(w, body1, cols, y, tops)
    blocks.extend(RefBlock("text", p) for p in body1)

    # rule, then article 2 over columns 1..n-1 and a boxed article 3 in the last column
    y = bottom + int(size * 0.6)
    _rule(c, margin, width - margin, y)
    y += int(size * 0.9)
    left = cols[:-1]
    h2 = c.text((margin, y), heads[1], size=int(size * 1.8))
    blocks.append(RefBlock("title", heads[1], box=h2.box))
    body2 = [para(rng.randint(2, 4)) for _ in range(columns)]
    bottom2 = _flow(w, body2, left, h2.box[3] + int(size * 0.8))
    blocks.extend(RefBlock("text", p) for p in body2)
    bx0 = cols[-1][0] - gutter // 2 + 2
    box_in = cols[-1][0] + 8
    h3_size = int(size * 1.3)
    inner_w = col_w - 16
    h3_lines = Writer(c, lang, h3_size).wrap(heads[2], inner_w)
    yy = y + 10
    h3_texts = []
    for pieces in h3_lines:
        t = c.text((box_in, yy), ("" if lang == "zh" else " ").join(pieces), size=h3_size)
        h3_texts.append(t.text)
        yy = t.box[3] + int(h3_size * 0.35)
    blocks.append(RefBlock("title", ("" if lang == "zh" else " ").join(h3_texts), level=2))
    body3 = [para(2), para(2)]
    bottom3 = _flow(w, body3, [(box_in, inner_w)], yy + int(size * 0.5))
    blocks.extend(RefBlock("text", p) for p in body3)
    c.rect((bx0, y, width - margin + 4, bottom3 + 8), width=2)
    bottom = max(bottom2, bottom3 + 8)

    # page number
    foot_y = min(height - 40, bottom + 30)
    ft = c.text((width // 2, foot_y), "3", size=hs)
    blocks.append(RefBlock("footer", "3", box=ft.box))
    _crop_height(c, foot_y + 40)
    return DocPage(f"newspaper-{lang}-{columns}col-{seed}", lang, c, blocks)


def paper(lang: str = "en", seed: int = 0, width: int = 1240, size: int = 19) -> DocPage:
    """A two-column paper page; see the module doc."""
    rng = random.Random(seed * 17 + (5 if lang == "zh" else 3))
    zh = lang == "zh"
    para = (lambda n: zh_paragraph(rng, n)) if zh else (lambda n: en_paragraph(rng, n))
    margin, gutter = 70, 40
    col_w = (width - 2 * margin - gutter) // 2
    cols = [(margin, col_w), (margin + col_w + gutter, col_w)]
    height = int(width * 1.42)
    c = Canvas(width, height)
    w = Writer(c, lang, size)
    blocks: list[RefBlock] = []
    hs = max(12, int(size * 0.8))
    head = (
        "156  综合研究学报  第12卷 2026年" if zh else "156  Journal of Synthetic Studies 12 (2026)"
    )
    hd = c.text((margin, 26), head, size=hs)
    blocks.append(RefBlock("header", head, box=hd.box))
    _rule(c, margin, width - margin, hd.box[3] + 8, width=1)
    y = hd.box[3] + 40
    title = (
        "河流水质监测数据的分析方法"
        if zh
        else "Measuring nitrate in river water with a low cost field kit"
    )
    t = c.text((margin, y), title, size=int(size * 1.7))
    blocks.append(RefBlock("title", title, box=t.box))
    y = t.box[3] + 18
    authors = "李明  王芳  张伟" if zh else "A. Rivera, B. Chen and C. Okafor"
    a = c.text((margin, y), authors, size=size)
    blocks.append(RefBlock("text", authors, box=a.box))
    y = a.box[3] + 36

    def heading(x: int, yy: int, text: str) -> int:
        h = c.text((x, yy), text, size=int(size * 1.2))
        blocks.append(RefBlock("title", text, level=2, box=h.box))
        return h.box[3] + int(size * 0.7)

    def paragraphs(x: int, yy: int, n: int) -> int:
        for _ in range(n):
            p = para(rng.randint(2, 3))
            yy = _flow(w, [p], [(x, col_w)], yy) + w.line_h // 2
            blocks.append(RefBlock("text", p))
        return yy

    # left column: introduction, a display formula, methods
    x = cols[0][0]
    yy = heading(x, y, "1 引言" if zh else "1 Introduction")
    yy = paragraphs(x, yy, 2)
    eq = "N = k × (A - B) + c"
    e = c.text((x + col_w // 2 - 110, yy + 4), eq, size=int(size * 1.1))
    c.text((x + col_w - 40, yy + 4), "(1)", size=size)
    c.lines.pop()
    blocks.append(RefBlock("equation", eq, box=e.box))
    yy = e.box[3] + int(size * 1.2)
    yy = heading(x, yy, "2 方法" if zh else "2 Methods")
    yy = paragraphs(x, yy, 2)
    left_bottom = yy

    # right column: table caption above the table, a paragraph, figure + caption
    x = cols[1][0]
    yy = y
    cap = (
        "表 3 不同样品的回收率和相对标准偏差"
        if zh
        else "Table 3. Recoveries and relative standard deviations of the samples"
    )
    cw = Writer(c, lang, size - 2)
    for pieces in cw.wrap(cap, col_w):
        cw.line(x, yy, pieces, col_w, False)
        yy += cw.line_h
    blocks.append(RefBlock("caption", cap))
    yy += 6
    rows = (
        [["样品", "加入量", "回收率", "偏差"]] if zh else [["Sample", "Added", "Recovery", "RSD"]]
    ) + [
        [
            f"S{i}",
            f"{rng.randint(1, 9)}.0",
            f"{rng.randint(90, 109)}.{rng.randint(0, 9)}",
            f"{rng.randint(1, 4)}.{rng.randint(0, 9)}",
        ]
        for i in range(1, 5)
    ]
    widths = [
        col_w * 3 // 10,
        col_w * 7 // 30,
        col_w * 7 // 30,
        col_w - col_w * 3 // 10 - 2 * (col_w * 7 // 30),
    ]
    rh = int(size * 1.7)
    _rule(c, x, x + col_w, yy, 2)
    for r, row in enumerate(rows):
        cx = x
        for cell, cwid in zip(row, widths, strict=True):
            c.text((cx + 6, yy + (rh - size) // 2), cell, size=size)
            cx += cwid
        yy += rh
        if r == 0:
            _rule(c, x, x + col_w, yy, 1)
    _rule(c, x, x + col_w, yy, 2)
    blocks.append(RefBlock("table", rows=rows))
    yy += int(size * 1.2)
    yy = paragraphs(x, yy, 1)
    pic = (x + col_w // 8, yy, x + col_w - col_w // 8, yy + int(col_w * 0.5))
    _chart(c, pic, rng)
    blocks.append(RefBlock("figure", box=pic))
    yy = pic[3] + 10
    fcap = "图 1 各站点的硝酸盐浓度" if zh else "Figure 1. Nitrate at each station by month."
    for pieces in cw.wrap(fcap, col_w):
        cw.line(x, yy, pieces, col_w, False)
        yy += cw.line_h
    blocks.append(RefBlock("caption", fcap))
    yy += int(size * 0.8)
    yy = paragraphs(x, yy, 1)
    bottom = max(left_bottom, yy)
    foot_y = min(height - 40, bottom + 30)
    ft = c.text((width // 2, foot_y), "157", size=hs)
    blocks.append(RefBlock("footer", "157", box=ft.box))
    _crop_height(c, foot_y + 40)
    return DocPage(f"paper-{lang}-{seed}", lang, c, blocks)


def _chart(c: Canvas, box: tuple[int, int, int, int], rng: random.Random) -> None:
    """A bar chart without text: axes and bars."""
    x0, y0, x1, y1 = box
    d = c.draw
    d.rectangle(box, fill=(245, 245, 245))
    d.line((x0 + 10, y1 - 10, x1 - 10, y1 - 10), fill="black", width=2)
    d.line((x0 + 10, y0 + 10, x0 + 10, y1 - 10), fill="black", width=2)
    n = 7
    bw = (x1 - x0 - 40) // n
    for i in range(n):
        h = rng.randint((y1 - y0) // 5, (y1 - y0) - 30)
        bx = x0 + 20 + i * bw
        d.rectangle((bx + 4, y1 - 10 - h, bx + bw - 4, y1 - 11), fill=(70, 110, 170))


def _crop_height(c: Canvas, height: int) -> None:
    if height < c.image.height:
        c.image = c.image.crop((0, 0, c.image.width, height))
        from PIL import ImageDraw

        c.draw = ImageDraw.Draw(c.image)


def corpus(lang: str | None = None, seeds: int = 1, first: int = 0) -> list[DocPage]:
    """The pages `promptocr bench --parse` scores: newspapers with 3, 4 and 5 columns and a
    two-column paper, in English and Chinese (`seeds` variants of each)."""
    pages: list[DocPage] = []
    for lg in [lang] if lang else ["en", "zh"]:
        for s in range(first, first + seeds):
            for n in (3, 4, 5):
                pages.append(newspaper(n, lg, seed=s))
            pages.append(paper(lg, seed=s))
    return pages
