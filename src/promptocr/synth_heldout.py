"""A held-out family of synthetic document pages, drawn in a different style from `synth_docs`.

`synth_docs` pages were looked at while the `parse` heuristics were developed; these were not.
They differ on purpose in everything a layout heuristic could have learnt by accident:

- fonts: DejaVu Serif for Latin text and Noto Serif CJK for Chinese (`synth_docs` uses sans),
  headlines in the sans font;
- vocabulary: longer words, commas, quotes and hyphenated compounds;
- columns: 2 to 5, ragged-right or justified, gutters from half a character to three
  characters wide, some with thin vertical rules standing in the gutter;
- layout: a headline over only the first k columns with a deck (sub-headline) under it and a
  second article with its own headline in the remaining columns; a picture spanning two
  columns with a caption under it; a boxed note between paragraphs; a running head with the
  page number on the right and a running foot with text (`synth_docs`: a page number alone);
- a report page: a title block, a two-column body, a full-width table with its caption above,
  a display formula and a `Page N of M` foot.

Each page comes with its reference Markdown in reading order (article by article, column by
column; headers and footers left out), like `synth_docs.DocPage`.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import ImageFont

from promptocr.synth import Canvas, DrawnLine, font
from promptocr.synth_docs import DocPage, RefBlock, Writer, _crop_height, _picture, _words

SERIF = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/dejavu/DejaVuSerif.ttf",
]
SERIF_CJK = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
]

EN_VOCAB = (
    (
        "regional authorities announced yesterday that construction of the long-awaited "
        "pedestrian crossing would begin before winter, although residents remain divided about "
        "its cost, its appearance and the disruption expected along the waterfront; engineers "
        "insisted the schedule was realistic, while shopkeepers warned that customers would "
        "stay away during months of roadworks. independent analysts, citing figures from the "
        "national statistics office, suggested that household spending had recovered faster "
        "than anticipated. volunteers, students, pensioners and commuters gathered outside the "
        "municipal theatre on thursday evening to hear the proposals debated in public"
    )
    .replace(";", ",")
    .split()
)
ZH_VOCAB = _words(
    "地方 政府 昨日 宣布 新建 人行 天桥 将于 入冬 之前 动工 居民 对于 造价 外观 以及 施工 "
    "期间 带来 影响 看法 不一 工程师 表示 工期 安排 合理 商户 担心 顾客 流失 独立 分析 人士 "
    "引用 统计 部门 数据 认为 家庭 消费 恢复 速度 快于 预期 志愿者 学生 退休 职工 通勤 人员 "
    "周四 晚上 聚集 剧院 门前 旁听 方案 公开 讨论 专家 建议 加快 推进 配套 设施 完善"
)

EN_HEADS = [
    "Waterfront crossing wins approval after a long debate",
    "Spending recovers faster than expected",
    "Theatre crowd hears plans for the old quarter",
    "Volunteers map every tree in the district",
]
ZH_HEADS = [
    "滨江人行天桥方案获批",
    "家庭消费恢复快于预期",
    "老城区改造方案公开征求意见",
    "志愿者为街区每棵树建档",
]
EN_DECKS = ["Residents remain divided over cost", "Analysts cite new statistics"]
ZH_DECKS = ["居民对造价看法不一", "分析人士引用最新统计数据"]


def _first(paths: list[str]) -> str | None:
    return next((p for p in paths if Path(p).exists()), None)


def serif(size: int, cjk: bool) -> ImageFont.FreeTypeFont:
    """The held-out family's body font (falls back to the project's sans font)."""
    path = _first(SERIF_CJK if cjk else SERIF)
    return ImageFont.truetype(path, size) if path else font(size, cjk)


class SerifWriter(Writer):
    """`synth_docs.Writer` with the serif fonts and a choice of ragged or justified lines."""

    def __init__(self, canvas: Canvas, lang: str, size: int, justify: bool = True) -> None:
        super().__init__(canvas, lang, size)
        self.font = serif(size, lang == "zh")
        self.line_h = int(size * 1.5)
        self.justify = justify

    def wrap(self, text: str, width: int) -> list[list[str]]:
        rows = super().wrap(text, width)
        if self.lang == "zh":  # no line starts with a closing punctuation mark
            for i in range(1, len(rows)):
                while rows[i] and rows[i][0] in "，。、；：？！）」":
                    rows[i - 1].append(rows[i].pop(0))
            rows = [r for r in rows if r]
        return rows

    def flow(self, paragraphs: list[str], x: int, width: int, y: int, gap: int = 0) -> int:
        """Set paragraphs in one column from y; returns the bottom y."""
        for p in paragraphs:
            rows = self.wrap(p, width)
            for i, pieces in enumerate(rows):
                self.line(x, y, pieces, width, self.justify and i < len(rows) - 1)
                y += self.line_h
            y += gap or self.line_h // 2
        return y


def head_font(size: int, cjk: bool) -> ImageFont.FreeTypeFont:
    """Headlines: the sans font, bold where installed."""
    bold = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
    return ImageFont.truetype(bold, size) if not cjk and Path(bold).exists() else font(size, cjk)


def _drawn(c: Canvas, xy: tuple[int, int], text: str, f: ImageFont.FreeTypeFont) -> DrawnLine:
    """`text` drawn at `xy` in `f`, recorded as one of the canvas's lines."""
    c.draw.text(xy, text, font=f, fill="black")
    x0, y0, x1, y1 = c.draw.textbbox(xy, text, font=f)
    line = DrawnLine(text, (int(x0), int(y0), int(x1), int(y1)))
    c.lines.append(line)
    return line


def _head(c: Canvas, xy: tuple[int, int], text: str, size: int) -> DrawnLine:
    """A headline in the sans font (bold where installed)."""
    return _drawn(c, xy, text, head_font(size, any(ord(ch) > 0x2E80 for ch in text)))


def _small(c: Canvas, xy: tuple[int, int], text: str, size: int) -> DrawnLine:
    return _drawn(c, xy, text, serif(size, any(ord(ch) > 0x2E80 for ch in text)))


def _para(rng: random.Random, lang: str, sentences: int) -> str:
    if lang == "zh":
        out = []
        for _ in range(sentences * 2):
            n = rng.randint(5, 10)
            w = [rng.choice(ZH_VOCAB) for _ in range(n)]
            k = rng.randint(2, n - 2)
            out.append("".join(w[:k]) + "，" + "".join(w[k:]) + "。")
        return "".join(out)
    out = []
    for _ in range(sentences):
        w = [rng.choice(EN_VOCAB).strip(",.") for _ in range(rng.randint(8, 16))]
        if rng.random() < 0.5:
            w[rng.randint(1, len(w) - 2)] += ","
        w[0] = w[0].capitalize()
        out.append(" ".join(w) + ".")
    return " ".join(out)


def _split_lines(w: SerifWriter, paragraphs: list[str], width: int) -> list[list[str] | None]:
    items: list[list[str] | None] = []
    for k, p in enumerate(paragraphs):
        items.extend(w.wrap(p, width))
        if k < len(paragraphs) - 1:
            items.append(None)
    return items


def _columns(
    w: SerifWriter,
    paragraphs: list[str],
    cols: list[tuple[int, int]],
    tops: list[int],
) -> int:
    """Balance paragraphs over columns (x, width) starting at per-column tops; ragged or
    justified as the writer says; returns the bottom y."""
    width = cols[0][1]
    items = _split_lines(w, paragraphs, width)
    last = {i for i in range(len(items)) if i + 1 == len(items) or items[i + 1] is None}
    total = sum(w.line_h if it else w.line_h // 2 for it in items) + sum(t - tops[0] for t in tops)
    per = total / len(cols)
    col, y, bottom = 0, tops[0], tops[0]
    for i, it in enumerate(items):
        step = w.line_h if it else w.line_h // 2
        if col < len(cols) - 1 and y + step - tops[0] > per + w.line_h * 0.5:
            col += 1
            y = tops[col]
            if it is None:
                continue
        if it is not None:
            w.line(cols[col][0], y, it, width, w.justify and i not in last)
        y += step
        bottom = max(bottom, y)
    return bottom


def broadsheet(columns: int = 4, lang: str = "en", seed: int = 0) -> DocPage:
    """A newspaper page in the held-out style: `columns` (3-5) columns, article 1 under a
    headline and deck over the first k columns with a picture across two of them, article 2
    with its own headline in the remaining columns, vertical rules in some gutters, a boxed
    note, a running head with the page number on the right and a running foot."""
    rng = random.Random(1000 + seed * 13 + columns * 3 + (7 if lang == "zh" else 0))
    zh = lang == "zh"
    size = rng.choice([17, 19, 21])
    width = rng.choice([1300, 1500])
    gutter = rng.choice([size // 2 + 2, size, int(size * 1.8), int(size * 2.6)])
    ruled = rng.random() < 0.5 and gutter >= size
    justify = rng.random() < 0.6
    margin = 50
    col_w = (width - 2 * margin - (columns - 1) * gutter) // columns
    cols = [(margin + i * (col_w + gutter), col_w) for i in range(columns)]
    c = Canvas(width, int(width * 1.45))
    w = SerifWriter(c, lang, size, justify)
    heads = list(ZH_HEADS if zh else EN_HEADS)
    rng.shuffle(heads)
    blocks: list[RefBlock] = []

    hs = max(12, int(size * 0.8))
    left_head = "城市晚报 · 要闻" if zh else "The Evening Courier · City"
    hd = _small(c, (margin, 18), left_head, hs)
    page_no = str(rng.randint(2, 40))
    pn = _small(c, (width - margin - hs * (len(page_no) + 1), 18), page_no, hs)
    blocks.append(RefBlock("header", left_head, box=hd.box))
    blocks.append(RefBlock("header", page_no, box=pn.box))
    c.draw.line((margin, hd.box[3] + 8, width - margin, hd.box[3] + 8), fill="black", width=3)
    y = hd.box[3] + 26

    k = columns - 1 if columns <= 3 else columns - 2  # article 1 spans the first k columns
    a1, a2 = cols[:k], cols[k:]
    # article 1: headline and deck over its columns, picture over its first two columns
    span = a1[-1][0] + col_w - margin
    hsize = int(size * (2.2 if k >= 3 else 1.9))
    head1 = heads[0]
    while head_font(hsize, zh).getlength(head1) > span and hsize > size * 1.5:
        hsize -= 2
    hy = y
    texts = []
    for row in _wrap_head(head1, hsize, int(span * 0.8), zh):
        h1 = _head(c, (margin, hy), row, hsize)
        texts.append(h1.text)
        hy = h1.box[3] + int(hsize * 0.3)
    blocks.append(RefBlock("title", ("" if zh else " ").join(texts)))
    deck = rng.choice(ZH_DECKS if zh else EN_DECKS)
    d1 = _small(c, (margin, h1.box[3] + 10), deck, int(size * 1.25))
    blocks.append(RefBlock("title", deck, level=2, box=d1.box))
    top = d1.box[3] + int(size * 0.9)
    pic_cols = a1[:2] if k >= 2 else a1[:1]
    pic = (margin, top, pic_cols[-1][0] + col_w, top + int(col_w * 0.8))
    _picture(c, pic, rng)
    blocks.append(RefBlock("figure", box=pic))
    cap = (
        "图：市民在剧院门前旁听方案讨论"
        if zh
        else "Residents outside the municipal theatre on Thursday."
    )
    cap_w = SerifWriter(c, lang, max(12, int(size * 0.8)), False)
    cy = cap_w.flow([cap], margin, pic[2] - margin, pic[3] + 6, gap=1)
    blocks.append(RefBlock("caption", cap))
    body1 = [_para(rng, lang, rng.randint(3, 5)) for _ in range(k + 2)]
    tops1 = [cy + size if i < len(pic_cols) else top for i in range(k)]
    bottom1 = _columns(w, body1, a1, tops1)
    blocks.extend(RefBlock("text", p) for p in body1)

    # article 2 in the remaining columns, with a boxed note under its text
    x2 = a2[0][0]
    span2 = a2[-1][0] + col_w - x2
    h2size = int(size * 1.6)
    yy = y
    h2_texts = []
    for row in _wrap_head(heads[1], h2size, span2, zh):  # in the font it is drawn in
        t = _head(c, (x2, yy), row, h2size)
        h2_texts.append(t.text)
        yy = t.box[3] + int(h2size * 0.3)
    blocks.append(RefBlock("title", ("" if zh else " ").join(h2_texts), level=2))
    body2 = [_para(rng, lang, rng.randint(2, 4)) for _ in range(len(a2) + 1)]
    a2_top = yy + int(size * 0.8)
    bottom2 = _columns(w, body2, a2, [a2_top] * len(a2))
    blocks.extend(RefBlock("text", p) for p in body2)
    note = [_para(rng, lang, 2)]
    bx = (x2, bottom2 + 4, a2[-1][0] + col_w, 0)
    nw = SerifWriter(c, lang, size, False)
    ny = nw.flow(note, x2 + 10, span2 - 20, bottom2 + 16, gap=1)
    c.rect((bx[0], bx[1], bx[2], ny + 8), width=2)
    blocks.extend(RefBlock("text", p) for p in note)
    bottom = max(bottom1, ny + 8)

    if ruled:  # thin rules standing in the gutters of article 1 (and between the articles)
        for i in range(1, columns):
            gx = cols[i][0] - gutter // 2
            y_from = cy if i < len(pic_cols) else (y if i == k else top if i < k else a2_top)
            y_to = bottom2 if i > k else bottom
            c.draw.line((gx, y_from, gx, y_to), fill=(90, 90, 90), width=1)
    foot_y = bottom + 30
    foot = f"城市晚报  第{page_no}版" if zh else f"The Evening Courier  Page {page_no}"
    ft = _small(c, (margin, foot_y), foot, hs)
    blocks.append(RefBlock("footer", foot, box=ft.box))
    _crop_height(c, foot_y + 50)
    return DocPage(f"heldout-broadsheet-{lang}-{columns}col-{seed}", lang, c, blocks)


def twocol(lang: str = "en", seed: int = 0) -> DocPage:
    """A two-column magazine page: running head with the page number right, a headline over
    both columns, a picture over both columns with its caption, two ragged columns with a
    subheading, a wide gutter, a running foot."""
    rng = random.Random(2000 + seed * 11 + (3 if lang == "zh" else 0))
    zh = lang == "zh"
    size = rng.choice([18, 20])
    width, margin, gutter = 1200, 70, rng.choice([36, 60])
    col_w = (width - 2 * margin - gutter) // 2
    cols = [(margin, col_w), (margin + col_w + gutter, col_w)]
    c = Canvas(width, int(width * 1.5))
    w = SerifWriter(c, lang, size, justify=rng.random() < 0.5)
    blocks: list[RefBlock] = []
    hs = max(12, int(size * 0.8))
    head = "生活周刊  城市" if zh else "WEEKEND MAGAZINE  Cities"
    hd = _small(c, (margin, 24), head, hs)
    no = str(rng.randint(10, 99))
    pn = _small(c, (width - margin - 30, 24), no, hs)
    blocks.append(RefBlock("header", head, box=hd.box))
    blocks.append(RefBlock("header", no, box=pn.box))
    y = hd.box[3] + 36
    title = rng.choice(ZH_HEADS if zh else EN_HEADS)
    t = _head(c, (margin, y), title, int(size * 2))
    blocks.append(RefBlock("title", title, box=t.box))
    y = t.box[3] + 20
    pic = (margin, y, width - margin, y + 300)
    _picture(c, pic, rng)
    blocks.append(RefBlock("figure", box=pic))
    cap = (
        "图：老城区街道一角"
        if zh
        else "A street corner in the old quarter, photographed in spring."
    )
    cw = SerifWriter(c, lang, max(12, int(size * 0.8)), False)
    y = cw.flow([cap], margin, width - 2 * margin, pic[3] + 8, gap=1)
    blocks.append(RefBlock("caption", cap))
    y += 16
    p1 = [_para(rng, lang, rng.randint(2, 4)) for _ in range(2)]
    y1 = w.flow(p1, cols[0][0], col_w, y)
    blocks.extend(RefBlock("text", p) for p in p1)
    sub = "专家建议" if zh else "What the experts suggest"
    s = _head(c, (cols[0][0], y1 + 4), sub, int(size * 1.25))
    blocks.append(RefBlock("title", sub, level=2, box=s.box))
    p2 = [_para(rng, lang, rng.randint(2, 3))]
    w.flow(p2, cols[0][0], col_w, s.box[3] + 12)
    blocks.extend(RefBlock("text", p) for p in p2)
    p3 = [_para(rng, lang, rng.randint(3, 5)) for _ in range(3)]
    y3 = w.flow(p3, cols[1][0], col_w, y)
    blocks.extend(RefBlock("text", p) for p in p3)
    bottom = max(y3, s.box[3] + 12 + 8 * w.line_h)
    foot = "生活周刊 2026年第48期" if zh else "Weekend Magazine, issue 48"
    ft = _small(c, (margin, bottom + 30), foot, hs)
    blocks.append(RefBlock("footer", foot, box=ft.box))
    _crop_height(c, bottom + 80)
    return DocPage(f"heldout-magazine-{lang}-{seed}", lang, c, blocks)


def report(lang: str = "en", seed: int = 0) -> DocPage:
    """A report page: title block, a two-column body, a full-width ruled table with its caption
    above, a display formula, and a `Page N of M` foot."""
    rng = random.Random(3000 + seed * 7 + (5 if lang == "zh" else 0))
    zh = lang == "zh"
    size = rng.choice([17, 19])
    width, margin, gutter = 1240, 80, 44
    col_w = (width - 2 * margin - gutter) // 2
    cols = [(margin, col_w), (margin + col_w + gutter, col_w)]
    c = Canvas(width, int(width * 1.5))
    w = SerifWriter(c, lang, size, justify=True)
    blocks: list[RefBlock] = []
    hs = max(12, int(size * 0.8))
    head = "2026年度区域经济报告" if zh else "Regional Economic Review 2026"
    hd = _small(c, (margin, 24), head, hs)
    blocks.append(RefBlock("header", head, box=hd.box))
    y = hd.box[3] + 40
    title = "第三章 家庭消费与收入" if zh else "3 Household spending and income"
    t = _head(c, (margin, y), title, int(size * 1.7))
    blocks.append(RefBlock("title", title, box=t.box))
    y = t.box[3] + 24
    pa = [_para(rng, lang, rng.randint(2, 3)) for _ in range(2)]
    pb = [_para(rng, lang, rng.randint(2, 3)) for _ in range(2)]
    ya = w.flow(pa, cols[0][0], col_w, y)
    yb = w.flow(pb, cols[1][0], col_w, y)
    blocks.extend(RefBlock("text", p) for p in pa + pb)
    y = max(ya, yb) + 10
    cap = (
        "表 2 各地区家庭消费支出（亿元）"
        if zh
        else "Table 2. Household spending by region (million euros)"
    )
    cl = _small(c, (margin, y), cap, size)
    blocks.append(RefBlock("caption", cap, box=cl.box))
    y = cl.box[3] + 10
    regions = ["北部", "南部", "东部", "西部"] if zh else ["North", "South", "East", "West"]
    header = ["地区", "2024", "2025", "2026"] if zh else ["Region", "2024", "2025", "2026"]
    rows = [header] + [
        [r, *[f"{rng.randint(100, 999)}.{rng.randint(0, 9)}" for _ in range(3)]] for r in regions
    ]
    tw = width - 2 * margin
    cwid = [tw // 4] * 4
    rh = int(size * 1.8)
    c.draw.line((margin, y, margin + tw, y), fill="black", width=2)
    for r, row in enumerate(rows):
        x = margin
        for cell, cw_ in zip(row, cwid, strict=True):
            _small(c, (x + 8, y + (rh - size) // 2), cell, size)
            x += cw_
        y += rh
        if r == 0:
            c.draw.line((margin, y, margin + tw, y), fill="black", width=1)
    c.draw.line((margin, y, margin + tw, y), fill="black", width=2)
    blocks.append(RefBlock("table", rows=rows))
    y += 24
    pc = [_para(rng, lang, rng.randint(2, 3))]
    yc = w.flow(pc, cols[0][0], col_w, y)
    blocks.extend(RefBlock("text", p) for p in pc)
    eq = "S = a + b × I"
    e = _small(c, (cols[0][0] + col_w // 2 - 70, yc + 6), eq, int(size * 1.15))
    _small(c, (cols[0][0] + col_w - 36, yc + 6), "(2)", size)
    c.lines.pop()
    blocks.append(RefBlock("equation", eq, box=e.box))
    pd = [_para(rng, lang, 2)]
    yd = w.flow(pd, cols[0][0], col_w, e.box[3] + int(size * 1.2))
    blocks.extend(RefBlock("text", p) for p in pd)
    pe = [_para(rng, lang, rng.randint(3, 4)) for _ in range(2)]
    ye = w.flow(pe, cols[1][0], col_w, y)
    blocks.extend(RefBlock("text", p) for p in pe)
    bottom = max(yd, ye)
    foot = f"第 {rng.randint(3, 9)} 页 共 24 页" if zh else f"Page {rng.randint(3, 9)} of 24"
    ft = _small(c, (width // 2 - 60, bottom + 30), foot, hs)
    blocks.append(RefBlock("footer", foot, box=ft.box))
    _crop_height(c, bottom + 80)
    return DocPage(f"heldout-report-{lang}-{seed}", lang, c, blocks)


EN_QUESTIONS = [
    "Which statement about the waterfront crossing is supported by the passage",
    "According to the second paragraph, why were the shopkeepers worried",
    "What does the word realistic most nearly mean in the engineers' statement",
    "Which of the following best describes the analysts' view of household spending",
    "The volunteers gathered outside the theatre mainly in order to",
    "Which detail would best support the author's claim about the old quarter",
]
ZH_QUESTIONS = [
    "下列关于滨江人行天桥的说法，与原文相符的一项是",
    "根据第二段内容，商户担心的主要原因是",
    "文中工程师认为工期安排合理，其依据是",
    "下列对分析人士观点的理解，正确的一项是",
    "志愿者聚集在剧院门前的主要目的是",
    "下列选项中，最能支持作者观点的一项是",
]


def _wrap_text(w: SerifWriter, text: str, width: int) -> list[str]:
    return [("" if w.lang == "zh" else " ").join(p) for p in w.wrap(text, width)]


def _wrap_head(text: str, size: int, width: int, zh: bool) -> list[str]:
    """A headline broken into rows that fit `width` in the headline font."""
    f = head_font(size, zh)
    pieces = list(text) if zh else text.split()
    rows: list[str] = []
    cur = ""
    for p in pieces:
        nxt = cur + p if zh or not cur else cur + " " + p
        if cur and f.getlength(nxt) > width:
            rows.append(cur)
            cur = p
        else:
            cur = nxt
    return [*rows, cur] if cur else rows


def boxed_news(lang: str = "zh", seed: int = 0) -> DocPage:
    """A newspaper page of boxed articles: a banner headline over the page, two framed
    articles side by side (each with its headline inside the frame and its columns divided
    by thin vertical rules), and a framed article across the page under them in 4-5 columns
    with rules; narrow gutters, a page line at the top and a foot."""
    rng = random.Random(4000 + seed * 17 + (1 if lang == "zh" else 0))
    zh = lang == "zh"
    size = rng.choice([16, 18, 20])
    width = rng.choice([1400, 1560])
    margin = 44
    gutter = rng.choice([size, int(size * 1.4), int(size * 2)])
    pad = int(size * 0.8)
    c = Canvas(width, int(width * 1.5))
    w = SerifWriter(c, lang, size, justify=True)
    blocks: list[RefBlock] = []
    hs = max(12, int(size * 0.8))
    head = "晨光日报  2026年11月29日  星期日" if zh else "MORNING LIGHT  Sunday 29 November 2026"
    hd = _small(c, (margin, 16), head, hs)
    blocks.append(RefBlock("header", head, box=hd.box))
    page_no = f"第{rng.randint(2, 24)}版" if zh else f"A{rng.randint(2, 24)}"
    pn = _small(c, (width - margin - hs * 4, 16), page_no, hs)
    blocks.append(RefBlock("header", page_no, box=pn.box))
    y = hd.box[3] + 12
    c.draw.line((margin, y, width - margin, y), fill="black", width=2)
    y += 20
    heads = list(ZH_HEADS if zh else EN_HEADS)
    rng.shuffle(heads)
    banner = heads[0]
    bsize = int(size * 2.4)
    while head_font(bsize, zh).getlength(banner) > width - 2 * margin and bsize > size * 1.6:
        bsize -= 2
    b = _head(c, (margin, y), banner, bsize)
    blocks.append(RefBlock("title", banner))
    y = b.box[3] + int(size * 1.2)

    def framed(x0: int, x1: int, top: int, ncols: int, title: str, nparas: int) -> int:
        """A framed article: its headline, then `ncols` ruled columns; returns the frame's
        bottom."""
        tsize = int(size * 1.5)
        inner0, inner1 = x0 + pad, x1 - pad
        ty = top + pad
        texts = []
        for line in _wrap_head(title, tsize, inner1 - inner0, zh):
            t = _head(c, (inner0, ty), line, tsize)
            texts.append(t.text)
            ty = t.box[3] + int(tsize * 0.3)
        blocks.append(RefBlock("title", ("" if zh else " ").join(texts), level=2))
        col_w = (inner1 - inner0 - (ncols - 1) * gutter) // ncols
        cols = [(inner0 + i * (col_w + gutter), col_w) for i in range(ncols)]
        body = [_para(rng, lang, rng.randint(2, 4)) for _ in range(nparas)]
        start = ty + int(size * 0.6)
        bottom = _columns(w, body, cols, [start] * ncols)
        blocks.extend(RefBlock("text", p) for p in body)
        for i in range(1, ncols):
            gx = cols[i][0] - gutter // 2
            c.draw.line((gx, start, gx, bottom - w.line_h // 2), fill=(70, 70, 70), width=1)
        return bottom + pad

    split = margin + int((width - 2 * margin) * rng.choice([0.55, 0.6]))
    left_cols = 3 if width >= 1500 else 2
    bl = framed(margin, split - gutter // 2, y, left_cols, heads[1], left_cols + 1)
    br = framed(split + gutter // 2, width - margin, y, 2, heads[2], 3)
    bottom = max(bl, br)
    c.rect((margin, y, split - gutter // 2, bottom), width=2)
    c.rect((split + gutter // 2, y, width - margin, bottom), width=2)
    y2 = bottom + int(size * 1.2)
    n3 = rng.choice([4, 5])
    b3 = framed(margin, width - margin, y2, n3, heads[3], n3 + 1)
    c.rect((margin, y2, width - margin, b3), width=2)
    foot = "晨光日报社出版" if zh else "Published by Morning Light Press"
    ft = _small(c, (margin, b3 + 24), foot, hs)
    blocks.append(RefBlock("footer", foot, box=ft.box))
    _crop_height(c, b3 + 70)
    return DocPage(f"heldout-boxed-{lang}-{seed}", lang, c, blocks)


def exam(lang: str = "en", seed: int = 0) -> DocPage:
    """An exam page: a centred title and an instruction line, a reading passage, then
    numbered multiple-choice questions whose options A-D sit two or four to a row, a score
    box at the top right and a `- N -` page number at the foot."""
    rng = random.Random(5000 + seed * 19 + (2 if lang == "zh" else 0))
    zh = lang == "zh"
    size = rng.choice([18, 20, 22])
    width, margin = 1240, rng.choice([80, 110])
    c = Canvas(width, int(width * 1.42))
    w = SerifWriter(c, lang, size, justify=False)
    blocks: list[RefBlock] = []
    title = "2026年秋季学期期末考试  语文" if zh else "End-of-term examination: English reading"
    tf = head_font(int(size * 1.4), zh)
    tx = (width - int(tf.getlength(title))) // 2
    t = _head(c, (tx, 40), title, int(size * 1.4))
    blocks.append(RefBlock("title", title))
    y = t.box[3] + 18
    note = (
        "本试卷共三部分，满分一百分，考试时间九十分钟。"
        if zh
        else "Answer every question. Choose the best option, A, B, C or D, for each item."
    )
    y = w.flow([note], margin, width - 2 * margin, y)
    blocks.append(RefBlock("text", note))
    sec = (
        "一、阅读下面的文字，完成各题。"
        if zh
        else "Part One. Read the passage and answer the questions."
    )
    s = _head(c, (margin, y), sec, int(size * 1.15))
    blocks.append(RefBlock("title", sec, level=2))
    y = s.box[3] + 14
    passage = [_para(rng, lang, rng.randint(2, 3)) for _ in range(2)]
    y = SerifWriter(c, lang, size, justify=True).flow(passage, margin, width - 2 * margin, y)
    blocks.extend(RefBlock("text", p) for p in passage)
    qs = list(ZH_QUESTIONS if zh else EN_QUESTIONS)
    rng.shuffle(qs)
    opt_vocab = ZH_VOCAB if zh else [v.strip(",.") for v in EN_VOCAB]
    for n, q in enumerate(qs[: rng.randint(3, 4)], start=1):
        qtext = f"{n}. {q}{'（  ）' if zh else '?'}"
        rows = _wrap_text(w, qtext, width - 2 * margin)
        for r in rows:
            _small(c, (margin, y), r, size)
            y += w.line_h
        blocks.append(RefBlock("text", (" " if not zh else "").join(rows)))
        opts = []
        for letter in "ABCD":
            k = rng.randint(2, 3) if zh else rng.randint(2, 4)
            words = [rng.choice(opt_vocab) for _ in range(k)]
            opts.append(f"{letter}. " + ("".join(words) if zh else " ".join(words)))
        room = width - 2 * margin - 40
        longest = max(w.font.getlength(o) for o in opts) + size * 2
        per_row = next((n for n in (4, 2) if longest * n <= room and rng.random() < 0.8), 1)
        cell = room // per_row
        for i in range(0, 4, per_row):
            for j, o in enumerate(opts[i : i + per_row]):
                _small(c, (margin + 40 + j * cell, y), o, size)
            y += w.line_h
        blocks.append(RefBlock("text", " ".join(opts)))
        y += w.line_h // 2
    pn = f"- {rng.randint(1, 8)} -"
    ft = _small(c, (width // 2 - 20, y + 40), pn, max(12, int(size * 0.8)))
    blocks.append(RefBlock("footer", pn, box=ft.box))
    _crop_height(c, y + 100)
    return DocPage(f"heldout-exam-{lang}-{seed}", lang, c, blocks)


def slide(lang: str = "en", seed: int = 0) -> DocPage:
    """A presentation slide (16:9): a title bar, bullet points with indented sub-points on
    the left, a picture on the right, and a foot with the talk's name and slide number."""
    rng = random.Random(6000 + seed * 23 + (4 if lang == "zh" else 0))
    zh = lang == "zh"
    width, height = 1600, 900
    c = Canvas(width, height)
    size = rng.choice([28, 32])
    blocks: list[RefBlock] = []
    title = rng.choice(ZH_HEADS if zh else EN_HEADS)
    c.draw.rectangle((0, 0, width, 130), fill=(225, 232, 242))
    t = _head(c, (70, 40), title, int(size * 1.5))
    blocks.append(RefBlock("title", title, box=t.box))
    y = 180
    pic_left = rng.random() < 0.5
    text_x = 620 if pic_left else 80
    pic = (70, 190, 560, 640) if pic_left else (1040, 190, 1530, 640)
    text_w = (width - 80 - text_x) if pic_left else (pic[0] - 60 - text_x)
    w = SerifWriter(c, lang, size, justify=False)
    vocab = ZH_VOCAB if zh else [v.strip(",.") for v in EN_VOCAB]
    for _ in range(rng.randint(3, 4)):
        k = rng.randint(5, 9) if zh else rng.randint(3, 7)
        words = [rng.choice(vocab) for _ in range(k)]
        text = "".join(words) if zh else " ".join(words).capitalize()
        for r, line in enumerate(_wrap_text(w, text, text_w - 40)):
            if r == 0:
                _small(c, (text_x, y), "•", size)
            _small(c, (text_x + 40, y), line, size)
            y += w.line_h
        blocks.append(RefBlock("text", "- " + text))
        if rng.random() < 0.4:
            sub_size = int(size * 0.8)
            sw = SerifWriter(c, lang, sub_size, justify=False)
            words = [rng.choice(vocab) for _ in range(k)]
            sub = "".join(words) if zh else " ".join(words)
            for r, line in enumerate(_wrap_text(sw, sub, text_w - 100)):
                if r == 0:
                    _small(c, (text_x + 60, y), "–", sub_size)
                _small(c, (text_x + 100, y), line, sub_size)
                y += sw.line_h
            blocks.append(RefBlock("text", "- " + sub))
        y += size // 2
    _picture(c, pic, rng)
    blocks.insert(1 if pic_left else len(blocks), RefBlock("figure", box=pic))
    foot = "城市更新研讨会" if zh else "City renewal workshop"
    ft = _small(c, (70, height - 50), foot, 18)
    blocks.append(RefBlock("footer", foot, box=ft.box))
    no = str(rng.randint(2, 30))
    fn = _small(c, (width - 100, height - 50), no, 18)
    blocks.append(RefBlock("footer", no, box=fn.box))
    return DocPage(f"heldout-slide-{lang}-{seed}", lang, c, blocks)


def corpus(
    lang: str | None = None, seeds: int = 1, first: int = 0, extended: bool = True
) -> list[DocPage]:
    """The held-out pages `promptocr bench --parse` scores separately: broadsheets with 3, 4
    and 5 columns, a two-column magazine page and a report page, in English and Chinese."""
    pages: list[DocPage] = []
    for lg in [lang] if lang else ["en", "zh"]:
        for s in range(first, first + seeds):
            for n in (3, 4, 5):
                pages.append(broadsheet(n, lg, seed=s))
            pages.append(twocol(lg, seed=s))
            pages.append(report(lg, seed=s))
            if extended:
                pages.append(boxed_news(lg, seed=s))
                pages.append(exam(lg, seed=s))
                pages.append(slide(lg, seed=s))
    return pages
