/* A small, safe Markdown renderer for the `parse` task's output.
 *
 * Everything is HTML-escaped except HTML tables, which are re-built from a parsed (inert) copy
 * keeping only table tags and numeric colspan/rowspan: no other tag, attribute, URL or script
 * from the OCR output can reach the page. Supports headings, paragraphs, line breaks, lists,
 * block quotes, rules, fenced code, pipe tables, HTML tables, $$ math $$ blocks, and inline
 * code, bold, italic, links (http/https only) and $math$.
 */
(function (global) {
  "use strict";

  var ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return ESC[c]; });
  }

  var TABLE_TAGS = {
    TABLE: 1, THEAD: 1, TBODY: 1, TFOOT: 1, TR: 1, TH: 1, TD: 1, CAPTION: 1, COLGROUP: 1, COL: 1
  };

  function sanitizeNode(node, out) {
    if (node.nodeType === 3) { out.push(escapeHtml(node.nodeValue)); return; }
    if (node.nodeType !== 1) return;
    var tag = node.tagName.toUpperCase();
    var keep = TABLE_TAGS[tag] === 1;
    if (tag === "SCRIPT" || tag === "STYLE" || tag === "TEMPLATE") return;
    if (keep) {
      var attrs = "";
      ["colspan", "rowspan"].forEach(function (a) {
        var v = node.getAttribute(a);
        if (v !== null && /^\d{1,3}$/.test(v.trim())) attrs += " " + a + '="' + v.trim() + '"';
      });
      out.push("<" + tag.toLowerCase() + attrs + ">");
    } else if (tag === "BR") {
      out.push(" ");
    }
    for (var c = node.firstChild; c; c = c.nextSibling) sanitizeNode(c, out);
    if (keep && tag !== "COL") out.push("</" + tag.toLowerCase() + ">");
  }

  /* Keep only table structure and text from an HTML fragment. */
  function sanitizeTable(html) {
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    var out = [];
    for (var c = doc.body.firstChild; c; c = c.nextSibling) sanitizeNode(c, out);
    return '<div class="table-wrap">' + out.join("") + "</div>";
  }

  function inline(text) {
    // Pull out code spans and math first so their content is not formatted.
    var slots = [];
    function hold(html) { slots.push(html); return "\u0000" + (slots.length - 1) + "\u0000"; }
    var s = String(text);
    s = s.replace(/`([^`]+)`/g, function (_, c) { return hold("<code>" + escapeHtml(c) + "</code>"); });
    s = s.replace(/\$([^$\n]+)\$/g, function (_, m) {
      return hold('<code class="math">' + escapeHtml(m) + "</code>");
    });
    s = s.replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, function (_, alt, url) {
      var data = Object.prototype.hasOwnProperty.call(images, url) ? String(images[url]) : "";
      if (!DATA_IMAGE.test(data)) return hold('<span class="md-figure-missing">' + escapeHtml(alt || url) + "</span>");
      return hold('<img class="md-figure" alt="' + escapeHtml(alt) + '" title="' + escapeHtml(url) +
        '" src="' + data + '">');
    });
    s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, function (_, label, url) {
      if (!/^https?:\/\//i.test(url)) return hold(escapeHtml(label));
      return hold('<a href="' + escapeHtml(url) + '" rel="noopener noreferrer" target="_blank">' +
        escapeHtml(label) + "</a>");
    });
    s = escapeHtml(s);
    s = s.replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
    s = s.replace(/__([^_]+)__/g, "<strong>$1</strong>");
    s = s.replace(/(^|[^*])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>");
    s = s.replace(/\u0000(\d+)\u0000/g, function (_, i) { return slots[Number(i)]; });
    return s;
  }

  function splitRow(line) {
    var t = line.trim();
    if (t.charAt(0) === "|") t = t.slice(1);
    if (t.charAt(t.length - 1) === "|") t = t.slice(0, -1);
    return t.split("|").map(function (c) { return c.trim(); });
  }

  var RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
  var HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
  var BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
  var ORDERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
  var TABLE_SEP = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

  /* Images the Markdown may show, by the name it references: `{"page-1-figure-1.png":
   * "data:image/png;base64,..."}` (a parse answer's cut-out figures). Anything else an image
   * reference points at is shown as its alt text: the page loads nothing from elsewhere. */
  var images = {};
  var DATA_IMAGE = /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+\/]+=*$/;

  function render(md, opts) {
    images = (opts && opts.images) || {};
    try { return renderBlocks(md); } finally { images = {}; }
  }

  function renderBlocks(md) {
    var lines = String(md || "").replace(/\r\n?/g, "\n").split("\n");
    var out = [];
    var para = [];
    function flush() {
      if (!para.length) return;
      var html = para.map(function (l, i) {
        var br = / {2,}$/.test(l) && i < para.length - 1;
        return inline(l.trim()) + (br ? "<br>" : "");
      }).join(" ");
      out.push("<p>" + html + "</p>");
      para = [];
    }
    var i = 0;
    while (i < lines.length) {
      var line = lines[i];
      var m;
      if (!line.trim()) { flush(); i++; continue; }
      if (/^\s*```/.test(line)) {
        flush();
        var code = [];
        i++;
        while (i < lines.length && !/^\s*```/.test(lines[i])) code.push(lines[i++]);
        i++;
        out.push("<pre><code>" + escapeHtml(code.join("\n")) + "</code></pre>");
        continue;
      }
      if (/^\s*\$\$/.test(line)) {
        flush();
        var math = [line.replace(/^\s*\$\$/, "")];
        var closed = /\$\$\s*$/.test(math[0]) && math[0].trim().length > 2;
        if (closed) math[0] = math[0].replace(/\$\$\s*$/, "");
        i++;
        while (!closed && i < lines.length) {
          var l = lines[i++];
          if (/\$\$\s*$/.test(l)) { math.push(l.replace(/\$\$\s*$/, "")); break; }
          math.push(l);
        }
        out.push('<pre class="math">' + escapeHtml(math.join("\n").trim()) + "</pre>");
        continue;
      }
      if (/^\s*<table[\s>]/i.test(line)) {
        flush();
        var buf = [];
        while (i < lines.length) {
          buf.push(lines[i]);
          if (/<\/table>/i.test(lines[i++])) break;
        }
        out.push(sanitizeTable(buf.join("\n")));
        continue;
      }
      if (/^\s*<!--/.test(line)) {
        flush();
        var comment = [];
        while (i < lines.length) {
          comment.push(lines[i]);
          if (/-->/.test(lines[i++])) break;
        }
        var pm = /page\s+(\d+)/i.exec(comment.join(" "));
        if (pm) out.push('<hr class="page-break" data-page="' + Number(pm[1]) + '">');
        continue;
      }
      if ((m = HEADING.exec(line))) {
        flush();
        var level = m[1].length;
        out.push("<h" + level + ">" + inline(m[2]) + "</h" + level + ">");
        i++;
        continue;
      }
      if (RULE.test(line)) { flush(); out.push("<hr>"); i++; continue; }
      if (line.indexOf("|") >= 0 && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1])) {
        flush();
        var head = splitRow(line);
        i += 2;
        var rows = [];
        while (i < lines.length && lines[i].indexOf("|") >= 0 && lines[i].trim()) {
          rows.push(splitRow(lines[i++]));
        }
        var t = ['<div class="table-wrap"><table><thead><tr>'];
        head.forEach(function (c) { t.push("<th>" + inline(c) + "</th>"); });
        t.push("</tr></thead><tbody>");
        rows.forEach(function (r) {
          t.push("<tr>");
          for (var k = 0; k < head.length; k++) t.push("<td>" + inline(r[k] || "") + "</td>");
          t.push("</tr>");
        });
        t.push("</tbody></table></div>");
        out.push(t.join(""));
        continue;
      }
      if (/^\s{0,3}>/.test(line)) {
        flush();
        var quote = [];
        while (i < lines.length && /^\s{0,3}>/.test(lines[i])) {
          quote.push(lines[i++].replace(/^\s{0,3}>\s?/, ""));
        }
        out.push("<blockquote>" + renderBlocks(quote.join("\n")) + "</blockquote>");
        continue;
      }
      if (BULLET.test(line) || ORDERED.test(line)) {
        flush();
        var ordered = !BULLET.test(line);
        var re = ordered ? ORDERED : BULLET;
        var items = [];
        var start = ordered ? Number(ORDERED.exec(line)[1]) : 1;
        while (i < lines.length && (m = re.exec(lines[i]))) {
          items.push("<li>" + inline(ordered ? m[2] : m[1]) + "</li>");
          i++;
        }
        var tag = ordered ? "ol" : "ul";
        var attr = ordered && start !== 1 ? ' start="' + start + '"' : "";
        out.push("<" + tag + attr + ">" + items.join("") + "</" + tag + ">");
        continue;
      }
      para.push(line);
      i++;
    }
    flush();
    return out.join("\n");
  }

  global.PromptMarkdown = { render: render, sanitizeTable: sanitizeTable, escapeHtml: escapeHtml };
})(window);
