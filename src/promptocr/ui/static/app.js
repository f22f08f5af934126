/* promptocr web page: upload, pick a task, run it on the server, show what came back.
 * Plain browser JavaScript, no build step, no network beyond this server. */
(function () {
  "use strict";

  // ---------------------------------------------------------------- text (English / 中文)
  var I18N = {
    en: {
      tagline: "Image or PDF + instruction → structured JSON",
      apiKey: "API key",
      apiKeyLabel: "API key (sent as Authorization: Bearer; stored in this browser only)",
      apiKeyPlaceholder: "Leave empty when the server has no auth",
      save: "Save", clear: "Clear", saved: "Saved",
      inputTitle: "Document", dropMain: "Drop an image or PDF here",
      dropHint: "or click to choose · paste with Ctrl+V", remove: "Remove",
      pagesLabel: "Pages", pageOf: "of {n}", pagesHint: "e.g. 1-3,5 or all",
      examples: "Examples", taskTitle: "Task",
      fieldsLabel: "Fields to extract (comma separated)", targetLang: "Translate into",
      instruction: "Instruction", instructionHint: "— the official prompt, or write your own",
      customPlaceholder: "Write any instruction, e.g. “What is the total amount?”",
      run: "Run", cancel: "Cancel", resultTitle: "Result",
      tabPage: "Page", tabFields: "Fields", tabMarkdown: "Markdown", tabText: "Text",
      tabJson: "JSON", tabRun: "Plan & timings", download: "Download", dlText: "Text",
      tabLines: "Lines", box: "Box (x0, y0, x1, y1)", wireFormat: "HunyuanOCR output format",
      placeholder: "Choose a document or an example to begin.",
      noPreview: "No preview: the file could not be decoded.",
      footer: "Runs on this server's CPU with the embedded ONNX models; nothing leaves the machine.",
      task_read: "Read text", task_spot: "Text + boxes", task_parse: "Parse to Markdown",
      task_extract: "Extract fields", task_subtitles: "Subtitles", task_translate: "Translate",
      task_custom: "Free instruction",
      layerLines: "Lines", layerBlocks: "Layout blocks", layerFields: "Field values",
      layerSubtitles: "Subtitles", subtitle: "subtitle",
      uploading: "Uploading… {p}%", working: "Working… {s} s", rendering: "Rendering page…",
      lines: "{n} lines", fieldsFound: "{n}/{m} fields found", conf: "confidence",
      seconds: "{s} s", page: "Page {i} of {n}",
      field: "Field", value: "Value", check: "Check", notFound: "not found",
      valid: "valid", invalid: "invalid", normalized: "normalised value",
      planTitle: "Plan", matched: "matched", timingsTitle: "Stages that ran", skippedTitle: "Skipped",
      argsTitle: "Arguments", totalServer: "Server time", roundTrip: "Round trip",
      cache: "Page cache", hits: "hits", misses: "misses", pagesDone: "Pages",
      linesDetected: "Lines detected", notes: "Notes", nothingSkipped: "Nothing was skipped.",
      noText: "No text was found on this page.",
      rendered: "Rendered", source: "Source", copy: "Copy", copied: "Copied",
      err_no_file: "Choose a file first", err_no_file_hint: "Drop an image or PDF, paste one, or pick an example.",
      err_no_prompt: "The instruction is empty", err_no_prompt_hint: "Pick a task or write an instruction.",
      err_invalid_input: "The file could not be read",
      err_invalid_input_hint: "It may be corrupt or truncated. Try exporting it again as PNG, JPEG or PDF.",
      err_unsupported_format: "This file type is not supported",
      err_unsupported_format_hint: "Supported: PNG, JPEG, WebP, BMP, GIF, TIFF and PDF.",
      err_input_too_large: "The file is too large",
      err_input_too_large_hint: "Use a smaller image, fewer pages, or a lower PDF resolution.",
      err_encrypted_pdf: "The PDF is password protected",
      err_encrypted_pdf_hint: "Remove the password and upload it again.",
      err_invalid_page_range: "The page selection is not valid",
      err_invalid_page_range_hint: "Write pages like 1-3,5 within the document's page count.",
      err_unknown_instruction: "The instruction was not understood",
      err_unknown_instruction_hint: "Pick one of the tasks above, or rephrase: read, spot, parse, extract fields, subtitles, translate.",
      err_engine_unavailable: "This needs a language-model engine",
      err_engine_unavailable_hint: "Translation and free-form questions need the optional HunyuanOCR engine, which this server has not configured. The other tasks work on the CPU.",
      err_unauthorized: "The API key is missing or wrong",
      err_unauthorized_hint: "Enter the key under “API key” at the top of the page.",
      err_busy: "The server is busy", err_busy_hint: "Too many requests are running. Try again in a moment.",
      err_timeout: "The request took too long", err_timeout_hint: "Try fewer pages or a smaller image.",
      err_network: "Cannot reach the server", err_network_hint: "Check that promptocr serve is still running.",
      err_server: "The server could not finish this request",
      err_server_hint: "The error was logged on the server. Try again, or try another file.",
      err_generic: "The request failed", err_generic_hint: "",
      cancelled: "Cancelled.", recognisedText: "Text recognised on the CPU",
      langNames: { English: "English", Chinese: "Chinese", Japanese: "Japanese", Korean: "Korean",
        French: "French", German: "German", Spanish: "Spanish", Russian: "Russian", Arabic: "Arabic" }
    },
    zh: {
      tagline: "图片或 PDF + 指令 → 结构化 JSON",
      apiKey: "API 密钥",
      apiKeyLabel: "API 密钥（以 Authorization: Bearer 发送，仅保存在本浏览器）",
      apiKeyPlaceholder: "服务器未开启认证时留空",
      save: "保存", clear: "清除", saved: "已保存",
      inputTitle: "文档", dropMain: "将图片或 PDF 拖放到这里",
      dropHint: "或点击选择文件 · 可用 Ctrl+V 粘贴", remove: "移除",
      pagesLabel: "页码", pageOf: "共 {n} 页", pagesHint: "如 1-3,5 或 all",
      examples: "示例", taskTitle: "任务",
      fieldsLabel: "要抽取的字段（逗号分隔）", targetLang: "翻译为",
      instruction: "指令", instructionHint: "— 官方提示词，也可自行输入",
      customPlaceholder: "输入任意指令，例如“这张发票的总金额是多少？”",
      run: "运行", cancel: "取消", resultTitle: "结果",
      tabPage: "页面", tabFields: "字段", tabMarkdown: "Markdown", tabText: "文本",
      tabJson: "JSON", tabRun: "执行计划与耗时", download: "下载", dlText: "文本",
      tabLines: "文本行", box: "坐标 (x0, y0, x1, y1)", wireFormat: "HunyuanOCR 输出格式",
      placeholder: "请选择文档或示例开始。",
      noPreview: "无法预览：文件无法解码。",
      footer: "在本服务器 CPU 上运行内置 ONNX 模型，数据不出本机。",
      task_read: "文字识别", task_spot: "文字检测识别", task_parse: "文档解析",
      task_extract: "信息抽取", task_subtitles: "字幕提取", task_translate: "拍照翻译",
      task_custom: "自由指令",
      layerLines: "文本行", layerBlocks: "版面区块", layerFields: "字段值",
      layerSubtitles: "字幕", subtitle: "字幕",
      uploading: "上传中… {p}%", working: "处理中… {s} 秒", rendering: "正在渲染页面…",
      lines: "{n} 行", fieldsFound: "找到 {n}/{m} 个字段", conf: "置信度",
      seconds: "{s} 秒", page: "第 {i} 页，共 {n} 页",
      field: "字段", value: "值", check: "校验", notFound: "未找到",
      valid: "有效", invalid: "无效", normalized: "规范化值",
      planTitle: "执行计划", matched: "匹配", timingsTitle: "已运行的阶段", skippedTitle: "已跳过",
      argsTitle: "参数", totalServer: "服务器耗时", roundTrip: "往返耗时",
      cache: "页面缓存", hits: "命中", misses: "未命中", pagesDone: "页数",
      linesDetected: "检测到的行", notes: "备注", nothingSkipped: "没有跳过任何阶段。",
      noText: "此页未发现文字。",
      rendered: "渲染", source: "源码", copy: "复制", copied: "已复制",
      err_no_file: "请先选择文件", err_no_file_hint: "拖放或粘贴图片、PDF，或选择一个示例。",
      err_no_prompt: "指令为空", err_no_prompt_hint: "请选择任务或输入指令。",
      err_invalid_input: "无法读取该文件",
      err_invalid_input_hint: "文件可能已损坏或不完整。请重新导出为 PNG、JPEG 或 PDF。",
      err_unsupported_format: "不支持此文件类型",
      err_unsupported_format_hint: "支持：PNG、JPEG、WebP、BMP、GIF、TIFF 和 PDF。",
      err_input_too_large: "文件过大",
      err_input_too_large_hint: "请使用更小的图片、更少的页数或更低的 PDF 分辨率。",
      err_encrypted_pdf: "PDF 受密码保护",
      err_encrypted_pdf_hint: "请移除密码后重新上传。",
      err_invalid_page_range: "页码选择无效",
      err_invalid_page_range_hint: "请按 1-3,5 的格式填写，且不超过文档页数。",
      err_unknown_instruction: "无法理解该指令",
      err_unknown_instruction_hint: "请选择上方的任务，或换一种说法：识别、检测、解析、抽取字段、字幕、翻译。",
      err_engine_unavailable: "需要大模型引擎",
      err_engine_unavailable_hint: "翻译和自由问答需要可选的 HunyuanOCR 引擎，本服务器未配置。其他任务可在 CPU 上运行。",
      err_unauthorized: "API 密钥缺失或错误",
      err_unauthorized_hint: "请在页面顶部的“API 密钥”中填写。",
      err_busy: "服务器繁忙", err_busy_hint: "当前请求过多，请稍后重试。",
      err_timeout: "请求超时", err_timeout_hint: "请减少页数或使用更小的图片。",
      err_network: "无法连接服务器", err_network_hint: "请确认 promptocr serve 仍在运行。",
      err_server: "服务器未能完成此请求",
      err_server_hint: "错误已记录在服务器日志中。请重试或换一个文件。",
      err_generic: "请求失败", err_generic_hint: "",
      cancelled: "已取消。", recognisedText: "CPU 识别出的文字",
      langNames: { English: "英文", Chinese: "中文", Japanese: "日文", Korean: "韩文",
        French: "法文", German: "德文", Spanish: "西班牙文", Russian: "俄文", Arabic: "阿拉伯文" }
    }
  };

  // The official HunyuanOCR prompts for each task, in both languages.
  var PROMPTS = {
    read: { zh: "提取图中的文字。", en: "Extract the text in the image." },
    spot: {
      zh: "检测并识别图片中的文字，将文本坐标格式化输出。",
      en: "Detect and recognize text in the image, and output the text coordinates in a formatted manner."
    },
    parse: {
      zh: "提取文档图片中正文的所有信息用 markdown 格式表示，其中页眉、页脚部分忽略，表格用 html 格式表达，文档中公式用 latex 格式表示，按照阅读顺序组织进行解析。",
      en: "Extract all information from the main body of the document image and represent it in markdown format, ignoring headers and footers. Tables should be expressed in HTML format, formulas in the document should be represented using LaTeX format, and the parsing should be organized according to the reading order."
    },
    extract: {
      zh: "提取图片中的: [{fields}] 的字段内容，并按照 JSON 格式返回。",
      en: "Extract the content of the fields: [{fields}] from the image and return it in JSON format."
    },
    subtitles: { zh: "提取图片中的字幕。", en: "Extract the subtitles from the image." },
    translate: {
      zh: "先提取文字，再将文字内容翻译为{lang}。若是文档，则其中页眉、页脚忽略。公式用latex格式表示，表格用html格式表示。",
      en: "First extract the text, then translate the text content into {lang}. If it is a document, ignore the header and footer. Formulas should be represented in LaTeX format, and tables should be represented in HTML format."
    },
    custom: { zh: "", en: "" }
  };
  var TASKS = ["read", "spot", "parse", "extract", "subtitles", "translate", "custom"];
  var TARGET_LANGS = ["English", "Chinese", "Japanese", "Korean", "French", "German", "Spanish",
    "Russian", "Arabic"];
  var TARGET_ZH = { English: "英文", Chinese: "中文", Japanese: "日文", Korean: "韩文",
    French: "法文", German: "德文", Spanish: "西班牙文", Russian: "俄文", Arabic: "阿拉伯文" };

  var FIELD_PRESETS = [
    { label: { en: "ID card", zh: "身份证" }, fields: "姓名, 性别, 民族, 出生, 住址, 公民身份号码" },
    { label: { en: "Receipt", zh: "小票" }, fields: "company, address, date, total" },
    { label: { en: "Form", zh: "表单" }, fields: "Policy number, Full name, Date of birth, Phone, Email" }
  ];

  var EXAMPLES = [
    { name: "id_card", file: "id_card.png", label: { en: "ID card", zh: "身份证" }, task: "extract",
      fields: FIELD_PRESETS[0].fields },
    { name: "receipt", file: "receipt.png", label: { en: "Receipt", zh: "小票" }, task: "extract",
      fields: FIELD_PRESETS[1].fields },
    { name: "form", file: "form.png", label: { en: "Form", zh: "表单" }, task: "extract",
      fields: FIELD_PRESETS[2].fields },
    { name: "two_column", file: "two_column.png", label: { en: "Two columns", zh: "双栏文章" },
      task: "parse" },
    { name: "street_sign", file: "street_sign.jpg", label: { en: "Street sign", zh: "路牌" },
      task: "spot" },
    { name: "subtitle_frame", file: "subtitle_frame.jpg", label: { en: "Video still", zh: "视频截图" },
      task: "subtitles" }
  ];

  // File types the browser can show by itself; anything else is previewed by the server.
  var BROWSER_IMAGES = /^image\/(png|jpeg|webp|gif|bmp|svg\+xml)$/;

  // ---------------------------------------------------------------- state
  var state = {
    lang: "en",
    task: "read",
    file: null,          // {blob, name, type}
    needsPreview: false, // PDF / TIFF: the server renders page images
    totalPages: 1,
    previewPage: 1,
    imageUrl: null,
    previewCache: {},    // page number -> data URL
    result: null,
    resultPage: 0,
    started: 0,
    roundTripMs: 0,
    xhr: null,
    timer: null,
    layers: { lines: true, blocks: false, fields: true },
    pinned: null,
    lastError: null,
    lastPrompt: "",
    lastPages: "",
    keyTimer: null
  };

  var $ = function (id) { return document.getElementById(id); };
  var SVGNS = "http://www.w3.org/2000/svg";

  function t(key, vars) {
    var s = (I18N[state.lang] && I18N[state.lang][key]);
    if (s === undefined) s = I18N.en[key];
    if (s === undefined) return key;
    if (vars) Object.keys(vars).forEach(function (k) { s = s.split("{" + k + "}").join(vars[k]); });
    return s;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") node.textContent = attrs[k];
        else if (k === "class") node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function fmtMs(ms) {
    if (ms >= 1000) return (ms / 1000).toFixed(2) + " s";
    return (ms >= 10 ? Math.round(ms) : ms.toFixed(1)) + " ms";
  }
  function pct(x) { return Math.round(x * 1000) / 10 + "%"; }

  // ---------------------------------------------------------------- language
  function applyLang() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
      node.setAttribute("placeholder", t(node.getAttribute("data-i18n-placeholder")));
    });
    $("lang-toggle").textContent = state.lang === "zh" ? "English" : "中文";
    $("pages").setAttribute("title", t("pagesHint"));
    renderTasks();
    renderExamples();
    renderPresets();
    renderTargetLangs();
    if (state.task !== "custom") fillPrompt();
    $("prompt").setAttribute("placeholder", t("customPlaceholder"));
    updatePageCount();
    if (state.result) renderResult();
    if (state.lastError) showError(state.lastError);
  }

  // ---------------------------------------------------------------- task picker
  function renderTasks() {
    var box = $("tasks");
    box.textContent = "";
    TASKS.forEach(function (name) {
      var b = el("button", {
        type: "button", role: "radio", class: "chip" + (name === state.task ? " active" : ""),
        "data-task": name, "aria-checked": String(name === state.task), text: t("task_" + name)
      });
      b.addEventListener("click", function () { selectTask(name); });
      box.appendChild(b);
    });
  }

  function selectTask(name) {
    state.task = name;
    $("fields-box").hidden = name !== "extract";
    $("lang-box").hidden = name !== "translate";
    renderTasks();
    fillPrompt();
    if (name === "custom") $("prompt").focus();
  }

  function parseFields(text) {
    return String(text).split(/[,，、;；\n]+/).map(function (s) { return s.trim(); })
      .filter(function (s) { return s.length > 0; });
  }

  function fillPrompt() {
    var p = PROMPTS[state.task][state.lang];
    if (state.task === "extract") {
      var list = parseFields($("fields").value).map(function (f) {
        return "'" + f.replace(/'/g, "’") + "'";
      }).join(", ");
      p = p.replace("{fields}", list);
    }
    if (state.task === "translate") {
      var target = $("target-lang").value || "English";
      p = p.replace("{lang}", state.lang === "zh" ? (TARGET_ZH[target] || target) : target);
    }
    $("prompt").value = p;
    updateRunButton();
  }

  function renderPresets() {
    var box = $("field-presets");
    box.textContent = "";
    FIELD_PRESETS.forEach(function (preset) {
      var b = el("button", { type: "button", class: "preset", text: preset.label[state.lang] });
      b.addEventListener("click", function () { $("fields").value = preset.fields; fillPrompt(); });
      box.appendChild(b);
    });
  }

  function renderTargetLangs() {
    var sel = $("target-lang");
    var current = sel.value || (state.lang === "zh" ? "English" : "Chinese");
    sel.textContent = "";
    TARGET_LANGS.forEach(function (name) {
      sel.appendChild(el("option", { value: name, text: t("langNames")[name] || name }));
    });
    sel.value = current;
  }

  // ---------------------------------------------------------------- examples and files
  function renderExamples() {
    var box = $("example-list");
    box.textContent = "";
    EXAMPLES.forEach(function (ex) {
      var b = el("button", { type: "button", class: "example", "data-example": ex.name,
        title: ex.label[state.lang] }, [
        el("img", { src: "examples/" + ex.file, alt: "", loading: "lazy" }),
        el("span", { text: ex.label[state.lang] })
      ]);
      b.addEventListener("click", function () { loadExample(ex); });
      box.appendChild(b);
    });
  }

  function loadExample(ex) {
    fetch("examples/" + ex.file).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.blob();
    }).then(function (blob) {
      if (ex.fields) $("fields").value = ex.fields;
      selectTask(ex.task);
      setFile(blob, ex.file);
    }).catch(function () {
      showError({ key: "network" });
    });
  }

  function setFile(blob, name) {
    clearError();
    if (state.imageUrl) URL.revokeObjectURL(state.imageUrl);
    state.file = { blob: blob, name: name || "upload", type: blob.type || "" };
    state.result = null;
    state.resultPage = 0;
    state.previewCache = {};
    state.totalPages = 1;
    state.previewPage = 1;
    var type = state.file.type;
    var lower = state.file.name.toLowerCase();
    state.needsPreview = !BROWSER_IMAGES.test(type) || /\.(pdf|tiff?)$/.test(lower);
    $("file-name").textContent = state.file.name;
    $("file-meta").textContent = humanSize(blob.size);
    $("file-info").hidden = false;
    $("pages").value = "1";
    $("pdf-pages").hidden = true;
    clearResultViews();
    if (state.needsPreview) {
      state.imageUrl = null;
      showPreviewPage(1, true);
    } else {
      state.imageUrl = URL.createObjectURL(blob);
      showImage(state.imageUrl, null);
    }
    updateRunButton();
  }

  function humanSize(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(0) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }

  function clearFile() {
    if (state.imageUrl) URL.revokeObjectURL(state.imageUrl);
    state.file = null;
    state.imageUrl = null;
    state.result = null;
    $("file-info").hidden = true;
    $("pdf-pages").hidden = true;
    $("stage").hidden = true;
    $("placeholder").hidden = false;
    $("placeholder").textContent = t("placeholder");
    clearResultViews();
    updateRunButton();
  }

  function authHeaders() {
    var key = localStorage.getItem("promptocr.apiKey") || "";
    return key ? { Authorization: "Bearer " + key } : {};
  }

  /* PDF and TIFF pages are rendered by the server (the browser cannot show them). */
  function fetchPreview(page) {
    if (state.previewCache[page]) return Promise.resolve(state.previewCache[page]);
    var form = new FormData();
    form.append("file", state.file.blob, state.file.name);
    form.append("page", String(page));
    return fetch("api/preview", { method: "POST", body: form, headers: authHeaders() })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) throw errorFrom(r.status, body);
          return body;
        });
      }).then(function (body) {
        state.previewCache[page] = body;
        return body;
      });
  }

  function showPreviewPage(page, first) {
    var file = state.file;
    setBusy(t("rendering"), false);
    return fetchPreview(page).then(function (body) {
      if (state.file !== file) return;
      setIdle();
      state.totalPages = body.pages;
      state.previewPage = page;
      if (body.pages > 1 || /\.pdf$/i.test(file.name)) {
        $("pdf-pages").hidden = false;
        if (first) $("pages").value = "1";
      }
      updatePageCount();
      showImage(body.image, null);
    }).catch(function (err) {
      if (state.file !== file) return;
      setIdle();
      showError(err);
    });
  }

  function updatePageCount() {
    $("page-count").textContent = state.totalPages ? t("pageOf", { n: state.totalPages }) : "";
  }

  function stepPage(delta) {
    var cur = parseInt($("pages").value, 10);
    if (!isFinite(cur)) cur = state.previewPage;
    var next = Math.min(Math.max(1, cur + delta), state.totalPages);
    $("pages").value = String(next);
    if (!state.result) showPreviewPage(next, false);
  }

  function showImage(src, page) {
    $("placeholder").hidden = true;
    $("stage").hidden = false;
    var img = $("page-img");
    img.onerror = showNoPreview;
    img.onload = function () {
      var w = page ? page.width : img.naturalWidth;
      var h = page ? page.height : img.naturalHeight;
      $("overlay").setAttribute("viewBox", "0 0 " + w + " " + h);
    };
    img.src = src;
    if (page) $("overlay").setAttribute("viewBox", "0 0 " + page.width + " " + page.height);
    else $("overlay").textContent = "";
  }

  // ---------------------------------------------------------------- running
  function updateRunButton() {
    $("run").disabled = !state.file || !$("prompt").value.trim() || !!state.xhr;
  }

  function setBusy(text, withBar) {
    $("busy").hidden = false;
    $("busy-text").textContent = text;
    $("busy").classList.toggle("indeterminate", !withBar);
  }

  function setIdle() {
    $("busy").hidden = true;
    if (state.timer) { clearInterval(state.timer); state.timer = null; }
  }

  function run() {
    clearError();
    if (!state.file) { showError({ key: "no_file" }); return; }
    var prompt = $("prompt").value.trim();
    if (!prompt) { showError({ key: "no_prompt" }); return; }
    var form = new FormData();
    form.append("file", state.file.blob, state.file.name);
    form.append("prompt", prompt);
    state.lastPrompt = prompt;
    state.lastPages = "";
    if (state.needsPreview) {
      var pages = $("pages").value.trim();
      if (pages && pages.toLowerCase() !== "all") form.append("pages", pages);
      if (pages && pages.toLowerCase() !== "all") state.lastPages = pages;
      form.append("dpi", $("dpi").value);
    }
    state.result = null;
    clearResultViews();
    var xhr = new XMLHttpRequest();
    state.xhr = xhr;
    state.started = performance.now();
    xhr.open("POST", "/v1/ocr");
    var headers = authHeaders();
    Object.keys(headers).forEach(function (k) { xhr.setRequestHeader(k, headers[k]); });
    xhr.setRequestHeader("Accept", "application/json");
    $("run").disabled = true;
    $("run").classList.add("loading");
    $("cancel").hidden = false;
    $("downloads").hidden = true;
    setBusy(t("uploading", { p: 0 }), true);
    $("busy-bar").style.width = "0%";
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var p = Math.round((e.loaded / e.total) * 100);
      $("busy-text").textContent = t("uploading", { p: p });
      $("busy-bar").style.width = p + "%";
    };
    xhr.upload.onload = startWorkingTimer;
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      finish();
      if (xhr.status >= 200 && xhr.status < 300 && body && body.document) {
        state.roundTripMs = performance.now() - state.started;
        state.result = body;
        state.resultPage = 0;
        renderResult();
      } else {
        var err = errorFrom(xhr.status, body);
        if (FILE_ERRORS.indexOf(err.key) >= 0) showNoPreview();
        showError(err);
      }
      revealResults();
    };
    xhr.onerror = function () { finish(); showError({ key: "network" }); };
    xhr.onabort = function () { finish(); };
    xhr.send(form);
  }

  // Errors about the file itself: the browser's partial preview would only mislead.
  var FILE_ERRORS = ["invalid_input", "unsupported_format", "encrypted_pdf"];

  function showNoPreview() {
    $("stage").hidden = true;
    $("placeholder").hidden = false;
    $("placeholder").textContent = t("noPreview");
  }

  /* On a phone the results are below the controls: bring them into view. */
  function revealResults() {
    var panel = document.querySelector(".results");
    var rect = panel.getBoundingClientRect();
    if (rect.top > window.innerHeight * 0.6) panel.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function startWorkingTimer() {
    $("busy").classList.add("indeterminate");
    var tick = function () {
      var s = ((performance.now() - state.started) / 1000).toFixed(1);
      $("busy-text").textContent = t("working", { s: s });
    };
    tick();
    if (state.timer) clearInterval(state.timer);
    state.timer = setInterval(tick, 100);
  }

  function finish() {
    state.xhr = null;
    setIdle();
    $("run").classList.remove("loading");
    $("cancel").hidden = true;
    updateRunButton();
  }

  function cancel() {
    if (state.xhr) state.xhr.abort();
  }

  // ---------------------------------------------------------------- errors
  var STATUS_KEYS = { 401: "unauthorized", 403: "unauthorized", 408: "timeout", 413: "input_too_large",
    415: "unsupported_format", 429: "busy", 503: "busy", 504: "timeout" };
  var CODE_ALIASES = { unauthorized: "unauthorized", token_expired: "unauthorized",
    invalid_api_key: "unauthorized", forbidden: "unauthorized", rate_limited: "busy",
    queue_full: "busy", shutting_down: "busy", timeout: "timeout",
    request_too_large: "input_too_large", internal_error: "server" };

  function errorFrom(status, body) {
    var err = (body && body.error) || {};
    if (typeof err === "string") err = { message: err };
    if (!err.message && body && typeof body.detail === "string") err.message = body.detail;
    var code = err.code || "";
    var key = I18N.en["err_" + code] ? code : (CODE_ALIASES[code] || STATUS_KEYS[status]);
    if (!key) key = status >= 500 ? "server" : "generic";
    var details = err.details && typeof err.details === "object" ? err.details : {};
    return { key: key, code: code || String(status), message: err.message || "", source: err.source || "",
      status: status, text: typeof details.text === "string" ? details.text : "" };
  }

  function showError(err) {
    state.lastError = err;
    $("error").hidden = false;
    $("error").setAttribute("data-code", err.code || err.key);
    $("error-title").textContent = t("err_" + err.key);
    var detail = err.message ? (err.source ? err.source + ": " : "") + err.message : "";
    $("error-msg").textContent = detail;
    $("error-msg").hidden = !detail;
    $("error-hint").textContent = t("err_" + err.key + "_hint");
    // Some errors (a task that needs a language model) still carry the recognised text.
    var extra = $("error-text");
    extra.hidden = !err.text;
    if (err.text) {
      extra.textContent = "";
      extra.appendChild(el("summary", { text: t("recognisedText") }));
      extra.appendChild(el("pre", { text: err.text }));
    }
    if (err.key === "unauthorized") openKeyPanel(true);
  }

  function clearError() {
    state.lastError = null;
    $("error").hidden = true;
  }

  // ---------------------------------------------------------------- result views
  function clearResultViews() {
    $("overlay").textContent = "";
    $("summary").textContent = "";
    $("downloads").hidden = true;
    $("layers").textContent = "";
    $("result-pages").hidden = true;
    ["fields-view", "lines-view", "md-view", "text-view", "json-view", "run-view"].forEach(function (id) {
      $(id).textContent = "";
    });
    setTabVisible("fields", false);
    setTabVisible("markdown", false);
    setTabVisible("lines", false);
    selectTab("page");
    hideTooltip();
    // Before a result there is only the page to look at.
    document.querySelector(".tabs").hidden = true;
    document.querySelector(".viewer-tools").hidden = true;
  }

  function setTabVisible(name, visible) {
    document.querySelector('.tab[data-tab="' + name + '"]').hidden = !visible;
  }

  function selectTab(name) {
    document.querySelectorAll(".tab").forEach(function (b) {
      var on = b.getAttribute("data-tab") === name;
      b.classList.toggle("active", on);
      b.setAttribute("aria-selected", String(on));
    });
    document.querySelectorAll(".tab-body").forEach(function (body) {
      body.hidden = body.getAttribute("data-body") !== name;
    });
  }

  function isJsonText(s) {
    if (typeof s !== "string") return false;
    var x = s.trim();
    return (x.charAt(0) === "{" && x.charAt(x.length - 1) === "}") ||
      (x.charAt(0) === "[" && x.charAt(x.length - 1) === "]");
  }

  function resultText(r) {
    var out = r.output || {};
    if (typeof out.text === "string" && out.text) return out.text;
    if (typeof out.translation === "string" && out.translation) return out.translation;
    if (typeof r.content === "string" && r.content && !isJsonText(r.content) &&
        r.task !== "parse" && r.task !== "spot") {
      return r.content;
    }
    return (r.document && r.document.text) || "";
  }

  function resultMarkdown(r) {
    var out = r.output || {};
    if (typeof out.markdown === "string") return out.markdown;
    if (r.task === "parse" && typeof r.content === "string") return r.content;
    // Other tasks: one paragraph per block, pages separated.
    var pages = (r.document && r.document.pages) || [];
    return pages.map(function (p) {
      var head = pages.length > 1 ? "<!-- page " + (p.index + 1) + " -->\n\n" : "";
      return head + (p.blocks || []).map(function (b) { return b.text; }).join("\n\n");
    }).join("\n\n") + "\n";
  }

  function asPolygon(f) {
    var poly = f.polygon || f.quad || f.points;
    if (Array.isArray(poly) && poly.length >= 3 && Array.isArray(poly[0])) return poly;
    var box = f.bbox || f.box;
    if (Array.isArray(box) && box.length === 4 && typeof box[0] === "number") {
      return [[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]];
    }
    return null;
  }

  /* Normalise the extract task's payload into [{name, value, confidence, boxes:[{page, polygon}],
   * valid, note}] whatever exact shape the task layer answers with. */
  function extractedFields(r) {
    var out = r.output || {};
    // The tasks layer answers {"fields": {name: value}, "details": {name: {value, confidence,
    // page, bbox, polygon, valid, ...}}}; other shapes (a list, or details inline) also work.
    var raw = out.details && typeof out.details === "object" ? out.details
      : (out.fields !== undefined ? out.fields : out);
    var list = [];
    if (Array.isArray(raw)) {
      raw.forEach(function (f) {
        if (f && typeof f === "object") list.push([f.name || f.field || f.key || "", f]);
      });
    } else if (raw && typeof raw === "object") {
      Object.keys(raw).forEach(function (k) { list.push([k, raw[k]]); });
    }
    return list.map(function (pair) {
      var name = pair[0];
      var f = pair[1];
      if (f === null || typeof f !== "object") f = { value: f };
      var boxes = [];
      var direct = asPolygon(f);
      // `page` is the 1-based page number in the file (null: the first page read).
      var pageOf = function (x) {
        if (typeof x.page === "number") return x.page;
        return typeof f.page === "number" ? f.page : null;
      };
      if (direct) boxes.push({ page: pageOf(f), polygon: direct });
      (f.boxes || f.lines || f.regions || []).forEach(function (b) {
        var poly = asPolygon(b) || (Array.isArray(b) ? asPolygon({ bbox: b, polygon: b }) : null);
        if (poly) boxes.push({ page: pageOf(b), polygon: poly });
      });
      var valid = f.valid;
      if (valid === undefined && f.validation && typeof f.validation === "object") valid = f.validation.valid;
      var note = f.note || f.reason || (f.validation && (f.validation.reason || f.validation.message)) || "";
      if (!note && typeof f.check === "string") note = f.check;
      if (f.raw && f.value === null) note = (note ? note + " — " : "") + f.raw;
      return { name: name, value: f.value === undefined ? f.text : f.value,
        confidence: typeof f.confidence === "number" ? f.confidence : null,
        boxes: boxes, valid: valid, note: note, normalized: f.normalized };
    });
  }

  function renderResult() {
    var r = state.result;
    if (!r) return;
    var pages = (r.document && r.document.pages) || [];
    var isExtract = r.task === "extract";
    var isParse = r.task === "parse";
    state.layers.blocks = isParse;
    // Summary chips.
    var sum = $("summary");
    sum.textContent = "";
    sum.appendChild(el("span", { class: "badge task", text: r.task }));
    var nLines = pages.reduce(function (n, p) {
      return n + (p.blocks || []).reduce(function (m, b) { return m + (b.lines || []).length; }, 0);
    }, 0);
    sum.appendChild(el("span", { class: "badge", text: t("lines", { n: nLines }) }));
    if (isExtract) {
      var fs = extractedFields(r);
      var found = fs.filter(function (f) { return f.value !== null && f.value !== undefined && f.value !== ""; });
      sum.appendChild(el("span", { class: "badge", text: t("fieldsFound", { n: found.length, m: fs.length }) }));
    }
    if (r.document && typeof r.document.confidence === "number" && nLines) {
      sum.appendChild(el("span", { class: "badge", text: t("conf") + " " + pct(r.document.confidence) }));
    }
    var serverMs = r.usage && typeof r.usage.total_ms === "number" ? r.usage.total_ms : null;
    sum.appendChild(el("span", { class: "badge time", text: fmtMs(serverMs !== null ? serverMs : state.roundTripMs) }));

    document.querySelector(".tabs").hidden = false;
    document.querySelector(".viewer-tools").hidden = false;
    setTabVisible("fields", isExtract);
    setTabVisible("markdown", isParse);
    setTabVisible("lines", r.task === "spot");
    renderPageView();
    if (r.task === "spot") renderLines();
    if (isExtract) renderFields();
    if (isParse) renderMarkdown(resultMarkdown(r));
    var text = resultText(r);
    $("text-view").textContent = text || t("noText");
    $("text-view").classList.toggle("empty", !text);
    $("json-view").innerHTML = highlightJson(JSON.stringify(r, null, 2));
    renderRunView();
    $("downloads").hidden = false;
  }

  function currentPage() {
    var pages = (state.result && state.result.document && state.result.document.pages) || [];
    return pages[state.resultPage] || null;
  }

  function renderPageView() {
    var r = state.result;
    var pages = r.document.pages || [];
    var page = currentPage();
    // Layer toggles.
    var layers = $("layers");
    layers.textContent = "";
    var defs = [["lines", t("layerLines")], ["blocks", t("layerBlocks")]];
    if (r.task === "extract") defs.push(["fields", t("layerFields")]);
    if (r.task === "subtitles") defs.push(["fields", t("layerSubtitles")]);
    defs.forEach(function (d) {
      var id = "layer-" + d[0];
      var cb = el("input", { type: "checkbox", id: id });
      cb.checked = !!state.layers[d[0]];
      cb.addEventListener("change", function () {
        state.layers[d[0]] = cb.checked;
        $("overlay").classList.toggle("hide-" + d[0], !cb.checked);
      });
      layers.appendChild(el("label", { class: "layer layer-" + d[0], for: id }, [cb, el("span", { class: "swatch" }), d[1]]));
      $("overlay").classList.toggle("hide-" + d[0], !state.layers[d[0]]);
    });
    $("result-pages").hidden = pages.length < 2;
    if (pages.length > 1) {
      // The file's own page number, when the result is a selection (e.g. pages 3-5).
      var filePage = page && page.index !== state.resultPage ? " · p." + (page.index + 1) : "";
      $("rp-label").textContent = t("page", { i: state.resultPage + 1, n: pages.length }) + filePage;
    }
    if (!page) return;
    drawOverlay(page);
    if (state.needsPreview) {
      fetchPreview(page.index + 1).then(function (body) {
        if (currentPage() === page) showImage(body.image, page);
      }).catch(function (err) { showError(err); });
    } else if (state.imageUrl) {
      showImage(state.imageUrl, page);
    }
  }

  function drawOverlay(page) {
    var ov = $("overlay");
    ov.textContent = "";
    ov.setAttribute("viewBox", "0 0 " + page.width + " " + page.height);
    var scale = Math.max(page.width, page.height);
    var gBlocks = svg("g", { class: "blocks" });
    var gLines = svg("g", { class: "lines" });
    var gFields = svg("g", { class: "fields" });
    var fontSize = Math.max(10, Math.round(scale / 55));
    (page.blocks || []).forEach(function (b, bi) {
      var poly = asPolygon(b);
      if (poly) {
        var shape = svg("polygon", { points: pts(poly), class: "block kind-" + safeClass(b.kind), "vector-effect": "non-scaling-stroke" });
        shape.__info = { title: b.kind, text: b.text, confidence: b.confidence };
        gBlocks.appendChild(shape);
        var bb = bboxOf(poly);
        var lsz = fontSize * 0.7;
        var ly = Math.max(bb[1] - lsz * 1.3, 0);
        var tag = svg("g", { class: "block-tag" });
        tag.appendChild(svg("rect", { x: bb[0], y: ly, width: textWidth(b.kind, lsz) + lsz * 0.6, height: lsz * 1.3, rx: lsz * 0.2 }));
        var label = svg("text", { x: bb[0] + lsz * 0.3, y: ly + lsz, "font-size": lsz });
        label.textContent = b.kind;
        tag.appendChild(label);
        gBlocks.appendChild(tag);
      }
      (b.lines || []).forEach(function (ln) {
        var lp = asPolygon(ln);
        if (!lp) return;
        var cls = "line" + (ln.confidence < 0.8 ? " low" : "");
        var shape = svg("polygon", { points: pts(lp), class: cls, "vector-effect": "non-scaling-stroke" });
        shape.__info = { text: ln.text, confidence: ln.confidence, block: bi };
        gLines.appendChild(shape);
      });
    });
    if (state.result.task === "subtitles") {
      ((state.result.output || {}).lines || []).forEach(function (sl) {
        var poly = asPolygon(sl);
        if (!poly || !pageMatches(typeof sl.page === "number" ? sl.page : null, page)) return;
        drawTagged(gFields, poly, t("subtitle"), { title: t("subtitle"), text: sl.text, confidence: sl.confidence }, false, fontSize);
      });
    }
    if (state.result.task === "extract") {
      extractedFields(state.result).forEach(function (f) {
        f.boxes.forEach(function (b) {
          if (!pageMatches(b.page, page)) return;
          var title = f.name + (f.valid === true ? " · ✓ " + t("valid") : f.valid === false ? " · ✗ " + t("invalid") : "");
          drawTagged(gFields, b.polygon, f.name, { title: title, text: valueText(f.value), confidence: f.confidence },
            f.valid === false, fontSize);
        });
      });
    }
    ov.classList.toggle("with-blocks", state.result.task === "parse");
    ov.appendChild(gLines);
    ov.appendChild(gBlocks);
    ov.appendChild(gFields);
  }

  /* A highlighted box with a name tag above it (extract values, subtitle lines). */
  function drawTagged(group, poly, name, info, invalid, fsz) {
    var shape = svg("polygon", { points: pts(poly), class: "field" + (invalid ? " invalid" : ""), "vector-effect": "non-scaling-stroke" });
    shape.__info = info;
    group.appendChild(shape);
    var bb = bboxOf(poly);
    var y = bb[1] - fsz * 1.45 < 0 ? bb[3] + 2 : bb[1] - fsz * 1.45;
    var tag = svg("g", { class: "field-tag" + (invalid ? " invalid" : "") });
    tag.appendChild(svg("rect", { x: bb[0], y: y, width: textWidth(name, fsz) + fsz * 0.8, height: fsz * 1.4, rx: fsz * 0.25 }));
    var label = svg("text", { x: bb[0] + fsz * 0.4, y: y + fsz * 1.05, "font-size": fsz });
    label.textContent = name;
    tag.appendChild(label);
    tag.__info = info;
    group.appendChild(tag);
  }

  function pageMatches(p, page) {
    if (typeof p === "number") return p === page.index + 1;
    var first = state.result.document.pages[0];
    return !!first && first.index === page.index;
  }

  function textWidth(s, size) {
    var w = 0;
    for (var i = 0; i < s.length; i++) w += s.charCodeAt(i) > 0x2e80 ? size : size * 0.6;
    return w;
  }

  function safeClass(s) { return String(s || "text").replace(/[^a-z0-9_-]/gi, ""); }
  function pts(poly) { return poly.map(function (p) { return p[0] + "," + p[1]; }).join(" "); }
  function bboxOf(poly) {
    var xs = poly.map(function (p) { return p[0]; });
    var ys = poly.map(function (p) { return p[1]; });
    return [Math.min.apply(null, xs), Math.min.apply(null, ys), Math.max.apply(null, xs), Math.max.apply(null, ys)];
  }
  function valueText(v) {
    if (v === null || v === undefined) return "";
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }

  // Tooltip: hover a box (or tap it on a phone) to see its text and confidence.
  function showTooltip(info, x, y) {
    var tip = $("tooltip");
    tip.textContent = "";
    if (info.title) tip.appendChild(el("div", { class: "tip-title", text: info.title }));
    tip.appendChild(el("div", { class: "tip-text", text: info.text || "—" }));
    if (typeof info.confidence === "number") {
      tip.appendChild(el("div", { class: "tip-conf", text: t("conf") + " " + pct(info.confidence) }));
    }
    tip.hidden = false;
    var host = tip.parentElement.getBoundingClientRect();
    var left = x - host.left + 14;
    var top = y - host.top + 14;
    var maxLeft = host.width - tip.offsetWidth - 8;
    tip.style.left = Math.max(4, Math.min(left, maxLeft)) + "px";
    tip.style.top = top + "px";
  }
  function hideTooltip() { $("tooltip").hidden = true; state.pinned = null; }

  function infoOf(target) {
    for (var n = target; n && n !== $("overlay"); n = n.parentNode) {
      if (n.__info) return { node: n, info: n.__info };
    }
    return null;
  }

  function renderFields() {
    var box = $("fields-view");
    box.textContent = "";
    var fields = extractedFields(state.result);
    var table = el("table", { class: "fields-table" });
    table.appendChild(el("thead", null, [el("tr", null, [
      el("th", { text: t("field") }), el("th", { text: t("value") }),
      el("th", { text: t("conf") }), el("th", { text: t("check") })
    ])]));
    var tbody = el("tbody");
    fields.forEach(function (f) {
      var has = f.value !== null && f.value !== undefined && f.value !== "";
      var check = "";
      var cls = "";
      if (f.valid === true) { check = "✓ " + t("valid"); cls = "ok"; }
      if (f.valid === false) { check = "✗ " + t("invalid"); cls = "bad"; }
      var checkCell = el("td", { class: "check " + cls }, [check]);
      if (f.note) checkCell.appendChild(el("div", { class: "muted small", text: f.note }));
      var valueCell = el("td", { class: has ? "fvalue" : "fvalue missing", text: has ? valueText(f.value) : t("notFound") });
      var norm = f.normalized;
      if (has && norm !== null && norm !== undefined && valueText(norm) !== valueText(f.value)) {
        valueCell.appendChild(el("div", { class: "normalized", title: t("normalized"), text: "→ " + valueText(norm) }));
      }
      var row = el("tr", { "data-field": f.name }, [
        el("td", { class: "fname", text: f.name }),
        valueCell,
        el("td", { class: "num", text: f.confidence === null ? "" : pct(f.confidence) }),
        checkCell
      ]);
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    box.appendChild(el("div", { class: "table-wrap" }, [table]));
  }

  /* `spot`: every line with its confidence and box, plus HunyuanOCR's own wire format. */
  function renderLines() {
    var r = state.result;
    var out = r.output || {};
    var lines = Array.isArray(out.lines) ? out.lines : [];
    if (!lines.length) {
      (r.document.pages || []).forEach(function (p) {
        (p.blocks || []).forEach(function (b) {
          (b.lines || []).forEach(function (ln) { lines.push({ text: ln.text, confidence: ln.confidence, bbox: ln.bbox, page: p.index + 1 }); });
        });
      });
    }
    var box = $("lines-view");
    box.textContent = "";
    var table = el("table", { class: "fields-table lines-table" });
    table.appendChild(el("thead", null, [el("tr", null, [
      el("th", { text: "#" }), el("th", { text: t("tabText") }), el("th", { text: t("conf") }),
      el("th", { text: t("box") })
    ])]));
    var tbody = el("tbody");
    lines.forEach(function (ln, i) {
      var poly = asPolygon(ln);
      var bb = poly ? bboxOf(poly).map(function (v) { return Math.round(v); }).join(", ") : "";
      tbody.appendChild(el("tr", null, [
        el("td", { class: "num muted", text: String(i + 1) }),
        el("td", { class: "fvalue", text: ln.text }),
        el("td", { class: "num", text: typeof ln.confidence === "number" ? pct(ln.confidence) : "" }),
        el("td", { class: "num mono", text: bb ? "[" + bb + "]" : "" })
      ]));
    });
    table.appendChild(tbody);
    box.appendChild(el("div", { class: "table-wrap" }, [table]));
    if (typeof out.hunyuan === "string" && out.hunyuan) {
      var det = el("details", { class: "wire" }, [el("summary", { text: t("wireFormat") })]);
      det.appendChild(el("pre", { class: "textview", text: out.hunyuan }));
      box.appendChild(det);
    }
  }

  function renderMarkdown(md) {
    var view = $("md-view");
    view.textContent = "";
    var bar = el("div", { class: "md-bar" });
    var body = el("div", { class: "md-body" });
    var src = el("pre", { class: "md-source", hidden: "hidden" });
    src.textContent = md;
    body.innerHTML = window.PromptMarkdown.render(md);
    var bRendered = el("button", { type: "button", class: "seg active", text: t("rendered") });
    var bSource = el("button", { type: "button", class: "seg", text: t("source") });
    bRendered.addEventListener("click", function () {
      body.hidden = false; src.hidden = true;
      bRendered.classList.add("active"); bSource.classList.remove("active");
    });
    bSource.addEventListener("click", function () {
      body.hidden = true; src.hidden = false;
      bSource.classList.add("active"); bRendered.classList.remove("active");
    });
    bar.appendChild(bRendered);
    bar.appendChild(bSource);
    view.appendChild(bar);
    view.appendChild(body);
    view.appendChild(src);
  }

  function highlightJson(json) {
    var esc = window.PromptMarkdown.escapeHtml(json);
    return esc.replace(/(&quot;(?:[^&]|&(?!quot;))*?&quot;)(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g,
      function (m, str, colon, lit, num) {
        if (str) return colon ? '<span class="j-key">' + str + "</span>" + colon : '<span class="j-str">' + str + "</span>";
        if (lit) return '<span class="j-lit">' + lit + "</span>";
        return '<span class="j-num">' + num + "</span>";
      });
  }

  // Widths go through the CSSOM: the page's Content-Security-Policy forbids inline styles.
  function barFill(percent) {
    var fill = el("span", { class: "bar-fill" });
    fill.style.width = percent.toFixed(1) + "%";
    return fill;
  }

  function stageName(s) {
    if (typeof s === "string") return s;
    return (s && (s.name || s.stage)) || "";
  }

  function renderRunView() {
    var r = state.result;
    var box = $("run-view");
    box.textContent = "";
    var plan = r.plan || {};
    var usage = r.usage || {};
    var ms = usage.stages_ms || {};
    var skipped = usage.skipped || {};
    // Plan: the task, how the instruction was matched, its arguments, and each planned stage
    // with whether it runs and why.
    var planCard = el("div", { class: "card plan-card" }, [el("h3", { text: t("planTitle") })]);
    var head = el("div", { class: "plan-task" }, [el("span", { class: "badge task", text: plan.task || r.task })]);
    if (plan.matched) head.appendChild(el("span", { class: "muted small", text: t("matched") + " " + plan.matched }));
    planCard.appendChild(head);
    var args = plan.arguments || {};
    var argKeys = Object.keys(args);
    if (argKeys.length) {
      var dl = el("dl", { class: "args" });
      argKeys.forEach(function (k) {
        dl.appendChild(el("dt", { text: k }));
        var v = args[k];
        dl.appendChild(el("dd", { text: Array.isArray(v) ? v.map(valueText).join(", ") : valueText(v) }));
      });
      planCard.appendChild(dl);
    }
    var steps = el("ol", { class: "steps" });
    (plan.stages || []).forEach(function (st) {
      var name = stageName(st);
      if (!name) return;
      var runs = typeof st === "object" && st !== null && st.runs !== undefined ? !!st.runs
        : (ms[name] !== undefined || skipped[name] === undefined);
      var reason = (typeof st === "object" && st && st.reason) || (runs ? "" : skipped[name] || "");
      steps.appendChild(el("li", { class: runs ? "runs" : "skips", "data-stage": name }, [
        el("span", { class: "mark", "aria-hidden": "true", text: runs ? "✓" : "–" }),
        el("code", { text: name }),
        el("span", { class: "why", text: reason })
      ]));
    });
    planCard.appendChild(steps);
    box.appendChild(planCard);

    // Timings: a bar per stage that ran.
    var timeCard = el("div", { class: "card" }, [el("h3", { text: t("timingsTitle") })]);
    var max = Math.max.apply(null, [1].concat(Object.keys(ms).map(function (k) { return ms[k]; })));
    var bars = el("div", { class: "bars" });
    Object.keys(ms).sort(function (a, b) { return ms[b] - ms[a]; }).forEach(function (s) {
      var calls = (usage.stage_calls || {})[s];
      bars.appendChild(el("div", { class: "bar-row", "data-stage": s }, [
        el("span", { class: "bar-name", text: s + (calls > 1 ? " ×" + calls : "") }),
        el("span", { class: "bar-track" }, [barFill(Math.max(1, (ms[s] / max) * 100))]),
        el("span", { class: "bar-ms", text: fmtMs(ms[s]) })
      ]));
    });
    timeCard.appendChild(bars);
    var facts = el("dl", { class: "facts" });
    function fact(k, v) { facts.appendChild(el("dt", { text: k })); facts.appendChild(el("dd", { text: v })); }
    if (typeof usage.total_ms === "number") fact(t("totalServer"), fmtMs(usage.total_ms));
    fact(t("roundTrip"), fmtMs(state.roundTripMs));
    if (typeof usage.pages === "number") fact(t("pagesDone"), String(usage.pages));
    if (typeof usage.lines_detected === "number") fact(t("linesDetected"), String(usage.lines_detected));
    if (usage.cache) fact(t("cache"), (usage.cache.hits || 0) + " " + t("hits") + " · " + (usage.cache.misses || 0) + " " + t("misses"));
    timeCard.appendChild(facts);
    box.appendChild(timeCard);

    var skipCard = el("div", { class: "card" }, [el("h3", { text: t("skippedTitle") })]);
    var keys = Object.keys(skipped);
    if (!keys.length) skipCard.appendChild(el("p", { class: "muted", text: t("nothingSkipped") }));
    else {
      var ul = el("ul", { class: "skipped" });
      keys.forEach(function (k) {
        ul.appendChild(el("li", { "data-stage": k }, [el("code", { text: k }), " — " + skipped[k]]));
      });
      skipCard.appendChild(ul);
    }
    if (usage.notes && usage.notes.length) {
      skipCard.appendChild(el("div", { class: "muted small", text: t("notes") }));
      var nl = el("ul", { class: "notes" });
      usage.notes.forEach(function (n) { nl.appendChild(el("li", { text: n })); });
      skipCard.appendChild(nl);
    }
    box.appendChild(skipCard);
  }

  // ---------------------------------------------------------------- downloads
  function baseName() {
    var n = state.file ? state.file.name : "result";
    return (n.replace(/\.[^.]+$/, "") || "result") + "." + (state.result ? state.result.task : "ocr");
  }

  function save(text, ext, type) {
    var blob = new Blob([text], { type: type + ";charset=utf-8" });
    var a = el("a", { href: URL.createObjectURL(blob), download: baseName() + "." + ext });
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function xmlEsc(s) { return window.PromptMarkdown.escapeHtml(s); }

  /* hOCR 1.2 from the document JSON (the same model the server's exporter reads). */
  function toHocr(r) {
    var out = ['<?xml version="1.0" encoding="UTF-8"?>',
      '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
      '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">', "<head>",
      "<title>" + xmlEsc(r.document.source || "") + "</title>",
      '<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>',
      '<meta name="ocr-system" content="promptocr"/>',
      '<meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf"/>',
      "</head>", "<body>"];
    function bb(poly) { return bboxOf(poly).map(function (v) { return Math.round(v); }).join(" "); }
    var ids = { block: 0, line: 0, word: 0 };
    (r.document.pages || []).forEach(function (p) {
      var pi = p.index + 1;
      out.push('<div class="ocr_page" id="page_' + pi + '" title="image &quot;' + xmlEsc(p.source || r.document.source || "") +
        '&quot;; bbox 0 0 ' + p.width + " " + p.height + "; ppageno " + p.index + '">');
      (p.blocks || []).forEach(function (b) {
        ids.block++;
        var bp = asPolygon(b);
        out.push(' <div class="ocr_carea" id="block_' + ids.block + '" title="bbox ' + (bp ? bb(bp) : "0 0 0 0") + '">');
        out.push('  <p class="ocr_par" id="par_' + ids.block + '" title="bbox ' + (bp ? bb(bp) : "0 0 0 0") + '">');
        (b.lines || []).forEach(function (ln) {
          ids.line++;
          out.push('   <span class="ocr_line" id="line_' + ids.line + '" title="bbox ' + bb(asPolygon(ln)) + '">');
          var words = ln.words && ln.words.length ? ln.words : [ln];
          words.forEach(function (w) {
            ids.word++;
            out.push('    <span class="ocrx_word" id="word_' + ids.word + '" title="bbox ' + bb(asPolygon(w)) +
              "; x_wconf " + Math.round((w.confidence || 0) * 100) + '">' + xmlEsc(w.text) + "</span>");
          });
          out.push("   </span>");
        });
        out.push("  </p>", " </div>");
      });
      out.push("</div>");
    });
    out.push("</body>", "</html>", "");
    return out.join("\n");
  }

  function download(kind) {
    var r = state.result;
    if (!r) return;
    if (kind === "json") save(JSON.stringify(r, null, 2) + "\n", "json", "application/json");
    if (kind === "md") save(resultMarkdown(r), "md", "text/markdown");
    if (kind === "txt") save(resultText(r) + "\n", "txt", "text/plain");
    if (kind === "hocr") downloadHocr(r);
  }

  /* hOCR comes from the server's exporter (same request with output_format=hocr; the page
   * cache makes it cheap). If the server cannot make it, build it here from the JSON. */
  function downloadHocr(r) {
    var form = new FormData();
    form.append("file", state.file.blob, state.file.name);
    form.append("prompt", state.lastPrompt || "");
    if (state.lastPages) form.append("pages", state.lastPages);
    if (state.needsPreview) form.append("dpi", $("dpi").value);
    form.append("output_format", "hocr");
    var button = document.querySelector('[data-dl="hocr"]');
    button.disabled = true;
    fetch("/v1/ocr", { method: "POST", body: form, headers: authHeaders() })
      .then(function (resp) {
        return resp.json().catch(function () { return null; }).then(function (body) {
          if (resp.ok && body && typeof body.content === "string" && /ocr_page/.test(body.content)) {
            return body.content;
          }
          if (resp.status === 401 || resp.status === 403) throw errorFrom(resp.status, body);
          return toHocr(r);
        });
      }, function () { return toHocr(r); })
      .then(function (hocr) { save(hocr, "hocr", "text/html"); })
      .catch(function (err) { showError(err); })
      .then(function () { button.disabled = false; });
  }

  /* Clipboard API where the page is a secure context (https, localhost); else the old way. */
  function copyText(text, button) {
    var done = function () {
      button.textContent = t("copied");
      setTimeout(function () { button.textContent = t("copy"); }, 1200);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { legacyCopy(text); done(); });
    } else {
      legacyCopy(text);
      done();
    }
  }

  function legacyCopy(text) {
    var area = el("textarea", { class: "offscreen", readonly: "readonly" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing else to try */ }
    area.remove();
  }

  // ---------------------------------------------------------------- API key panel
  function openKeyPanel(open) {
    if (state.keyTimer) { clearTimeout(state.keyTimer); state.keyTimer = null; }
    $("key-save").textContent = t("save");
    $("key-panel").hidden = !open;
    $("key-toggle").setAttribute("aria-expanded", String(open));
    if (open) $("api-key").value = localStorage.getItem("promptocr.apiKey") || "";
  }

  // ---------------------------------------------------------------- wiring
  function init() {
    var saved = localStorage.getItem("promptocr.lang");
    var nav = (navigator.language || "en").toLowerCase();
    state.lang = saved === "zh" || saved === "en" ? saved : (nav.indexOf("zh") === 0 ? "zh" : "en");
    $("fields").value = FIELD_PRESETS[0].fields;
    renderTargetLangs();
    applyLang();
    selectTask("read");
    clearResultViews();

    $("lang-toggle").addEventListener("click", function () {
      state.lang = state.lang === "zh" ? "en" : "zh";
      localStorage.setItem("promptocr.lang", state.lang);
      applyLang();
    });
    $("key-toggle").addEventListener("click", function () { openKeyPanel($("key-panel").hidden); });
    $("key-panel").addEventListener("submit", function (e) {
      e.preventDefault();
      var v = $("api-key").value.trim();
      if (v) localStorage.setItem("promptocr.apiKey", v); else localStorage.removeItem("promptocr.apiKey");
      $("key-save").textContent = t("saved");
      state.keyTimer = setTimeout(function () {
        $("key-save").textContent = t("save");
        openKeyPanel(false);
      }, 700);
      // A PDF preview refused for want of a key can be fetched now.
      if (state.lastError && state.lastError.key === "unauthorized") {
        clearError();
        if (state.file && state.needsPreview && !state.result) showPreviewPage(state.previewPage, false);
      }
    });
    $("key-clear").addEventListener("click", function () {
      localStorage.removeItem("promptocr.apiKey");
      $("api-key").value = "";
    });

    var drop = $("drop");
    var input = $("file");
    drop.addEventListener("click", function () { input.click(); });
    drop.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); }
    });
    input.addEventListener("change", function () {
      if (input.files && input.files[0]) setFile(input.files[0], input.files[0].name);
      input.value = "";
    });
    ["dragenter", "dragover"].forEach(function (ev) {
      document.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "dragend"].forEach(function (ev) {
      document.addEventListener(ev, function (e) {
        if (!e.relatedTarget) drop.classList.remove("over");
      });
    });
    document.addEventListener("drop", function (e) {
      e.preventDefault();
      drop.classList.remove("over");
      var f = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
      if (f) setFile(f, f.name);
    });
    document.addEventListener("paste", function (e) {
      var items = (e.clipboardData && e.clipboardData.items) || [];
      for (var i = 0; i < items.length; i++) {
        if (items[i].kind === "file") {
          var f = items[i].getAsFile();
          if (f) {
            e.preventDefault();
            var ext = (f.type.split("/")[1] || "png").replace("jpeg", "jpg");
            setFile(f, f.name && f.name !== "image.png" ? f.name : "pasted." + ext);
            return;
          }
        }
      }
    });
    $("file-clear").addEventListener("click", clearFile);
    $("page-prev").addEventListener("click", function () { stepPage(-1); });
    $("page-next").addEventListener("click", function () { stepPage(1); });
    $("pages").addEventListener("change", function () {
      var n = parseInt($("pages").value, 10);
      if (isFinite(n) && String(n) === $("pages").value.trim() && n >= 1 && n <= state.totalPages) {
        showPreviewPage(n, false);
      }
    });
    $("fields").addEventListener("input", fillPrompt);
    $("target-lang").addEventListener("change", fillPrompt);
    $("prompt").addEventListener("input", updateRunButton);
    $("prompt").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run();
    });
    $("run").addEventListener("click", run);
    $("cancel").addEventListener("click", cancel);
    document.querySelectorAll(".tab").forEach(function (b) {
      b.addEventListener("click", function () { selectTab(b.getAttribute("data-tab")); });
    });
    document.querySelectorAll("[data-dl]").forEach(function (b) {
      b.addEventListener("click", function () { download(b.getAttribute("data-dl")); });
    });
    document.querySelectorAll("[data-copy]").forEach(function (b) {
      b.addEventListener("click", function () {
        copyText($(b.getAttribute("data-copy")).textContent, b);
      });
    });
    $("rp-prev").addEventListener("click", function () {
      if (state.resultPage > 0) { state.resultPage--; renderPageView(); }
    });
    $("rp-next").addEventListener("click", function () {
      var n = state.result.document.pages.length;
      if (state.resultPage < n - 1) { state.resultPage++; renderPageView(); }
    });
    var ov = $("overlay");
    ov.addEventListener("mousemove", function (e) {
      if (state.pinned) return;
      var hit = infoOf(e.target);
      if (hit) showTooltip(hit.info, e.clientX, e.clientY); else hideTooltip();
    });
    ov.addEventListener("mouseleave", function () { if (!state.pinned) hideTooltip(); });
    ov.addEventListener("click", function (e) {
      var hit = infoOf(e.target);
      if (hit) { state.pinned = null; showTooltip(hit.info, e.clientX, e.clientY); state.pinned = hit.node; }
      else hideTooltip();
    });
  }

  document.addEventListener("DOMContentLoaded", init);
  window.promptocrUI = { state: state, toHocr: toHocr, extractedFields: extractedFields };
})();
