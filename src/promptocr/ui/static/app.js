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
      inputTitle: "Document",
      dropHint: "or click to choose · paste with Ctrl+V", remove: "Remove",
      pagesLabel: "Pages", pageOf: "of {n}", pagesHint: "e.g. 1-3,5 or all",
      examples: "Examples", taskTitle: "Task",
      fieldsLabel: "Fields to extract (comma separated; empty: every key-value pair)", targetLang: "Translate into",
      instruction: "Instruction", instructionHint: "— the official prompt, or write your own",
      customPlaceholder: "Write any instruction, e.g. “What is the total amount?”",
      run: "Run", cancel: "Cancel", resultTitle: "Result",
      tabPage: "Page", tabFields: "Fields", tabMarkdown: "Markdown", tabText: "Text",
      tabJson: "JSON", tabRun: "Plan & timings", download: "Download",
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
      lines: "{n} lines", line1: "1 line", fieldsFound: "{n}/{m} fields found", conf: "confidence", confLink: "link", confRead: "read",
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
      dropMain: "Drop images or PDFs here", prevPage: "Previous page", nextPage: "Next page",
      dpiLabel: "DPI", dpiHint: "PDF rendering resolution", language: "Language",
      zoomIn: "Zoom in", zoomOut: "Zoom out", fitWidth: "Fit width", fitPage: "Fit page",
      sideBySide: "Side by side", fullscreen: "Full screen", exitFullscreen: "Exit full screen",
      copyJson: "Copy JSON", dlFieldsJson: "Download JSON", dlFieldsCsv: "Download CSV",
      showFull: "Show the full response", showOutput: "Show the answer only",
      jsonOutput: "The answer (output). The full response also has the plan, the document and the timings.",
      jsonFull: "The full response: task, plan, output, content, document and usage.",
      dlAnswer: "Answer", dlJson: "Full response (JSON)", dlMarkdown: "Page Markdown", dlText: "Page text",
      task_formula: "Formula", task_chart: "Chart", task_vqa: "Question",
      noCheck: "no check for this kind of field", checkFailed: "check failed",
      check_cn_id: "ID number check digit", check_mrz: "passport check digit",
      check_date: "a real calendar date", check_amount: "reads as an amount",
      check_phone: "phone number format", check_email: "email address format",
      check_sex: "male or female",
      matched_free: "Understood from the wording of the instruction",
      matched_empty: "Empty instruction: all the text is read",
      matched_official: "The official HunyuanOCR prompt “{id}”",
      cacheFacts: "{misses} read · {hits} reused from the cache",
      stageRuns: "runs", stageSkips: "not needed",
      batchTitle: "{n} files", batchDone: "{done} of {n} done",
      st_queued: "waiting", st_running: "running", st_done: "done", st_failed: "failed",
      pageProgress: "Page {k} of {n}…", pageProgressEta: "Page {k} of {n} · about {eta} s left",
      noLines: "No text on this page.", blockKind: "{kind}",
      argNames: { fields: "Fields", document_type: "Document type", format: "Output format",
        output_format: "Output format", pages: "Pages", target: "Target", layout: "Layout regions",
        drop_headers_footers: "Leave out headers and footers", all_pairs: "Every label and value",
        target_language: "Into", language: "Language" },
      stageNames: { decode: "Open the file", ocr: "Find and read text", detect: "Find text lines",
        recognize: "Read text lines", layout: "Page layout", markdown: "Build Markdown",
        fields: "Find the fields", subtitles: "Subtitle band", spotting_format: "HunyuanOCR box format",
        vlm: "Language model", blank_check: "Blank page check", crop: "Cut out lines",
        line_orientation: "Upside-down lines", page_orientation: "Page rotation",
        reading_order: "Reading order", table_structure: "Table structure" },
      stageWhy: { decode: "decode the image or PDF pages", ocr: "detect and recognise the text lines",
        layout: "find titles, tables, figures, headers and footers", markdown: "build Markdown (tables as HTML)",
        fields: "find the named fields and check the values that can be checked",
        subtitles: "keep the lines in the bottom band", spotting_format: "write the lines in HunyuanOCR's box format",
        vlm: "needs a vision-language engine" },
      langNames: { English: "English", Chinese: "Chinese", Japanese: "Japanese", Korean: "Korean",
        French: "French", German: "German", Spanish: "Spanish", Russian: "Russian", Arabic: "Arabic" }
    },
    zh: {
      tagline: "图片或 PDF + 指令 → 结构化 JSON",
      apiKey: "API 密钥",
      apiKeyLabel: "API 密钥（以 Authorization: Bearer 发送，仅保存在本浏览器）",
      apiKeyPlaceholder: "服务器未开启认证时留空",
      save: "保存", clear: "清除", saved: "已保存",
      inputTitle: "文档",
      dropHint: "或点击选择文件 · 可用 Ctrl+V 粘贴", remove: "移除",
      pagesLabel: "页码", pageOf: "共 {n} 页", pagesHint: "如 1-3,5 或 all",
      examples: "示例", taskTitle: "任务",
      fieldsLabel: "要抽取的字段（逗号分隔；留空：所有字段）", targetLang: "翻译为",
      instruction: "指令", instructionHint: "— 官方提示词，也可自行输入",
      customPlaceholder: "输入任意指令，例如“这张发票的总金额是多少？”",
      run: "运行", cancel: "取消", resultTitle: "结果",
      tabPage: "页面", tabFields: "字段", tabMarkdown: "Markdown", tabText: "文本",
      tabJson: "JSON", tabRun: "执行计划与耗时", download: "下载",
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
      lines: "{n} 行", line1: "1 行", fieldsFound: "找到 {n}/{m} 个字段", conf: "置信度", confLink: "关联", confRead: "识别",
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
      dropMain: "将图片或 PDF 拖放到这里（可多个）", prevPage: "上一页", nextPage: "下一页",
      dpiLabel: "分辨率", dpiHint: "PDF 渲染分辨率（DPI）", language: "语言",
      zoomIn: "放大", zoomOut: "缩小", fitWidth: "适合宽度", fitPage: "适合页面",
      sideBySide: "左右对照", fullscreen: "全屏", exitFullscreen: "退出全屏",
      copyJson: "复制 JSON", dlFieldsJson: "下载 JSON", dlFieldsCsv: "下载 CSV",
      showFull: "显示完整响应", showOutput: "只显示答案",
      jsonOutput: "答案（output）。完整响应还包括执行计划、文档结构和耗时。",
      jsonFull: "完整响应：任务、执行计划、答案、内容、文档结构和耗时。",
      dlAnswer: "答案", dlJson: "完整响应（JSON）", dlMarkdown: "页面 Markdown", dlText: "页面文本",
      task_formula: "公式识别", task_chart: "图表解析", task_vqa: "问答",
      noCheck: "此类字段无法校验", checkFailed: "校验未通过",
      check_cn_id: "身份证号校验位", check_mrz: "护照校验位",
      check_date: "日期真实有效", check_amount: "金额格式",
      check_phone: "电话号码格式", check_email: "电子邮箱格式",
      check_sex: "男或女",
      matched_free: "根据指令的措辞理解",
      matched_empty: "空指令：识别全部文字",
      matched_official: "HunyuanOCR 官方提示词“{id}”",
      cacheFacts: "新识别 {misses} 页 · 缓存复用 {hits} 页",
      stageRuns: "运行", stageSkips: "不需要",
      batchTitle: "{n} 个文件", batchDone: "已完成 {done}/{n}",
      st_queued: "等待中", st_running: "处理中", st_done: "完成", st_failed: "失败",
      pageProgress: "第 {k} 页，共 {n} 页…", pageProgressEta: "第 {k} 页，共 {n} 页 · 约剩 {eta} 秒",
      noLines: "此页没有文字。", blockKind: "{kind}",
      argNames: { fields: "字段", document_type: "文档类型", format: "输出格式",
        output_format: "输出格式", pages: "页码", target: "目标", layout: "版面区域",
        drop_headers_footers: "忽略页眉页脚", all_pairs: "所有标签与值",
        target_language: "目标语言", language: "语言" },
      stageNames: { decode: "打开文件", ocr: "检测并识别文字", detect: "检测文本行",
        recognize: "识别文本行", layout: "版面分析", markdown: "生成 Markdown",
        fields: "查找字段", subtitles: "字幕区域", spotting_format: "HunyuanOCR 坐标格式",
        vlm: "大模型", blank_check: "空白页检查", crop: "裁切文本行",
        line_orientation: "倒置文本行", page_orientation: "页面旋转",
        reading_order: "阅读顺序", table_structure: "表格结构" },
      stageWhy: { decode: "解码图片或 PDF 页面", ocr: "检测并识别文本行",
        layout: "找出标题、表格、图片、页眉和页脚", markdown: "生成 Markdown（表格为 HTML）",
        fields: "查找指定字段，并校验可校验的值",
        subtitles: "保留底部字幕区域的文字", spotting_format: "按 HunyuanOCR 坐标格式输出",
        vlm: "需要视觉语言模型" },
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
    // no field named: every key-value pair on the page
    extract_all: {
      zh: "提取图片中的所有字段，并按照 JSON 格式返回。",
      en: "Extract all key-value pairs from the image and return them in JSON format."
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
    keyTimer: null,
    batch: [],           // several files: [{file, status, result, error, ...}]
    current: 0,          // the batch entry on screen
    cancelled: false,
    running: false,
    jobId: null,
    split: false,        // page view: image and text side by side
    jsonFull: false      // JSON tab: the whole response instead of `output`
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
    document.querySelectorAll("[data-i18n-label]").forEach(function (node) {
      node.setAttribute("aria-label", t(node.getAttribute("data-i18n-label")));
    });
    document.querySelectorAll("[data-i18n-title]").forEach(function (node) {
      node.setAttribute("title", t(node.getAttribute("data-i18n-title")));
    });
    updateToggles();
    renderBatch();
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
      var named = parseFields($("fields").value);
      var list = named.map(function (f) {
        return "'" + f.replace(/'/g, "’") + "'";
      }).join(", ");
      p = named.length ? p.replace("{fields}", list) : PROMPTS.extract_all[state.lang];
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

  /* One file (chosen, dropped, pasted or an example): any batch is closed. */
  function setFile(blob, name) {
    state.batch = [];
    renderBatch();
    loadFileView({ blob: blob, name: name || "upload", type: blob.type || "" });
  }

  function loadFileView(file) {
    clearError();
    if (state.imageUrl) URL.revokeObjectURL(state.imageUrl);
    state.file = file;
    state.result = null;
    state.resultPage = 0;
    state.previewCache = {};
    state.totalPages = 1;
    state.previewPage = 1;
    state.needsPreview = needsServerPreview(file.type, file.name);
    $("file-name").textContent = file.name;
    $("file-meta").textContent = humanSize(file.blob.size);
    $("file-info").hidden = false;
    $("pages").value = "1";
    $("pdf-pages").hidden = true;
    clearResultViews();
    if (state.needsPreview) {
      state.imageUrl = null;
      showPreviewPage(1, true);
    } else {
      state.imageUrl = URL.createObjectURL(file.blob);
      showImage(state.imageUrl, null);
    }
    updateRunButton();
  }

  /* Files from the chooser or a drop: one is shown; several become a batch list. */
  function takeFiles(list) {
    var files = Array.prototype.slice.call(list || []);
    if (files.length === 1) setFile(files[0], files[0].name);
    else if (files.length > 1) setBatch(files);
  }

  function humanSize(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(0) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }

  function clearFile() {
    if (state.imageUrl) URL.revokeObjectURL(state.imageUrl);
    state.batch = [];
    renderBatch();
    state.file = null;
    state.imageUrl = null;
    state.result = null;
    $("file-info").hidden = true;
    $("pdf-pages").hidden = true;
    $("stage").hidden = true;
    $("zoom-tools").hidden = true;
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
      var entry = state.batch[state.current];
      if (entry && entry.file === file) entry.totalPages = body.pages;
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
    $("zoom-tools").hidden = false;
    var img = $("page-img");
    img.onerror = showNoPreview;
    var same = img.getAttribute("src") === src && img.complete && img.naturalWidth > 0;
    img.onload = function () {
      var w = page ? page.width : img.naturalWidth;
      var h = page ? page.height : img.naturalHeight;
      $("overlay").setAttribute("viewBox", "0 0 " + w + " " + h);
      sizeStage(img.naturalWidth, img.naturalHeight, true);
    };
    if (!same) img.src = src;
    if (page) $("overlay").setAttribute("viewBox", "0 0 " + page.width + " " + page.height);
    else $("overlay").textContent = "";
    if (same) sizeStage(img.naturalWidth, img.naturalHeight, false);
  }

  // ---------------------------------------------------------------- zoom, pan, fit
  // The stage (image + box overlay) is laid out at the image's own size and moved with one CSS
  // transform, so the boxes follow every zoom and pan exactly.
  var view = { scale: 1, x: 0, y: 0, w: 0, h: 0, fit: "page", pointers: {}, gesture: null, moved: false };

  function sizeStage(w, h, refit) {
    if (!w || !h) return;
    var changed = w !== view.w || h !== view.h;
    view.w = w;
    view.h = h;
    var st = $("stage");
    st.style.width = w + "px";
    st.style.height = h + "px";
    if (refit || changed || view.fit) fitView(view.fit || "page");
    else applyView();
  }

  function viewerBox() {
    var v = $("viewer");
    return { w: v.clientWidth, h: v.clientHeight };
  }

  function fitView(mode) {
    var box = viewerBox();
    if (!view.w || !box.w) return;
    var pad = 8;
    if (mode === "width") {
      view.scale = (box.w - 2 * pad) / view.w;
      view.x = pad;
      view.y = Math.max(pad, (box.h - view.h * view.scale) / 2);
    } else {
      view.scale = Math.min((box.w - 2 * pad) / view.w, (box.h - 2 * pad) / view.h);
      view.x = (box.w - view.w * view.scale) / 2;
      view.y = (box.h - view.h * view.scale) / 2;
    }
    view.fit = mode;
    applyView();
  }

  function applyView() {
    var box = viewerBox();
    // Keep some of the page on screen whatever the pan.
    var sw = view.w * view.scale;
    var sh = view.h * view.scale;
    var keep = 60;
    view.x = Math.min(Math.max(view.x, keep - sw), box.w - keep);
    view.y = Math.min(Math.max(view.y, keep - sh), box.h - keep);
    $("stage").style.transform = "translate(" + view.x.toFixed(1) + "px," + view.y.toFixed(1) + "px) scale(" +
      view.scale.toFixed(4) + ")";
    $("zoom-level").textContent = Math.round(view.scale * 100) + "%";
    $("fit-width").classList.toggle("active", view.fit === "width");
    $("fit-page").classList.toggle("active", view.fit === "page");
  }

  /* Zoom by `factor` keeping the point (cx, cy) of the viewer where it is. */
  function zoomAt(factor, cx, cy) {
    if (!view.w) return;
    var box = viewerBox();
    if (cx === undefined) { cx = box.w / 2; cy = box.h / 2; }
    var minScale = Math.min(box.w / view.w, box.h / view.h) * 0.5;
    var next = Math.min(Math.max(view.scale * factor, Math.min(minScale, 0.05)), 8);
    var k = next / view.scale;
    view.x = cx - (cx - view.x) * k;
    view.y = cy - (cy - view.y) * k;
    view.scale = next;
    view.fit = null;
    applyView();
  }

  function localPoint(e) {
    var r = $("viewer").getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  function wireZoom() {
    var v = $("viewer");
    v.addEventListener("wheel", function (e) {
      if ($("stage").hidden || !view.w) return;
      e.preventDefault();
      var p = localPoint(e);
      var dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
      zoomAt(Math.exp(-dy * (e.ctrlKey ? 0.01 : 0.0015)), p.x, p.y);
    }, { passive: false });
    // One pointer pans, two pinch; a press that moves is a pan, not a click on a box.
    v.addEventListener("pointerdown", function (e) {
      if ($("stage").hidden || e.button > 0) return;
      view.pointers[e.pointerId] = localPoint(e);
      view.moved = false;
      startGesture();
    });
    v.addEventListener("pointermove", function (e) {
      if (!(e.pointerId in view.pointers)) return;
      view.pointers[e.pointerId] = localPoint(e);
      var g = view.gesture;
      if (!g) return;
      var ids = Object.keys(view.pointers);
      if (ids.length === 1) {
        var p = view.pointers[ids[0]];
        var dx = p.x - g.x0;
        var dy = p.y - g.y0;
        if (!view.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
        if (!view.moved) { view.moved = true; v.classList.add("panning"); hideTooltip(); try { v.setPointerCapture(e.pointerId); } catch (err) { /* gone */ } }
        view.x = g.vx + dx;
        view.y = g.vy + dy;
        view.fit = null;
        applyView();
      } else if (ids.length >= 2) {
        var a = view.pointers[ids[0]];
        var b = view.pointers[ids[1]];
        var dist = Math.hypot(a.x - b.x, a.y - b.y);
        var cx = (a.x + b.x) / 2;
        var cy = (a.y + b.y) / 2;
        view.moved = true;
        var next = Math.min(Math.max(g.scale * dist / Math.max(g.dist, 1), 0.05), 8);
        // the page point under the first midpoint stays under the fingers
        view.scale = next;
        view.x = cx - (g.cx - g.vx) * (next / g.scale);
        view.y = cy - (g.cy - g.vy) * (next / g.scale);
        view.fit = null;
        applyView();
      }
    });
    var end = function (e) {
      if (!(e.pointerId in view.pointers)) return;
      delete view.pointers[e.pointerId];
      v.classList.remove("panning");
      startGesture();
    };
    ["pointerup", "pointercancel"].forEach(function (ev) { v.addEventListener(ev, end); });
    $("zoom-in").addEventListener("click", function () { zoomAt(1.25); });
    $("zoom-out").addEventListener("click", function () { zoomAt(0.8); });
    $("fit-width").addEventListener("click", function () { fitView("width"); });
    $("fit-page").addEventListener("click", function () { fitView("page"); });
    $("split-toggle").addEventListener("click", function () { state.splitChosen = true; setSplit(!state.split); });
    $("fullscreen").addEventListener("click", toggleFullscreen);
    document.addEventListener("fullscreenchange", function () {
      updateToggles();
      setTimeout(function () { fitView(view.fit || "page"); }, 50);
    });
    window.addEventListener("resize", function () { if (view.fit) fitView(view.fit); else applyView(); });
  }

  function startGesture() {
    var ids = Object.keys(view.pointers);
    if (!ids.length) { view.gesture = null; return; }
    var g = { vx: view.x, vy: view.y, scale: view.scale };
    if (ids.length === 1) {
      g.x0 = view.pointers[ids[0]].x;
      g.y0 = view.pointers[ids[0]].y;
    } else {
      var a = view.pointers[ids[0]];
      var b = view.pointers[ids[1]];
      g.dist = Math.hypot(a.x - b.x, a.y - b.y);
      g.cx = (a.x + b.x) / 2;
      g.cy = (a.y + b.y) / 2;
    }
    view.gesture = g;
  }

  function toggleFullscreen() {
    var box = $("page-split");
    if (document.fullscreenElement) document.exitFullscreen();
    else if (box.requestFullscreen) box.requestFullscreen().catch(function () { /* not allowed */ });
  }

  function updateToggles() {
    $("split-toggle").setAttribute("aria-pressed", String(state.split));
    $("split-toggle").classList.toggle("active", state.split);
    $("fullscreen").textContent = t(document.fullscreenElement ? "exitFullscreen" : "fullscreen");
  }

  // ---------------------------------------------------------------- side by side
  function setSplit(on) {
    state.split = on;
    $("page-split").classList.toggle("split", on);
    $("side").hidden = !on;
    updateToggles();
    var page = currentPage();
    if (on && page) renderSide(page);
    if (view.fit) fitView(view.fit); else applyView();
  }

  /* The page's text beside the image: one paragraph per block, one span per line; the line
   * under the pointer is highlighted in both. */
  function renderSide(page) {
    var side = $("side");
    side.textContent = "";
    var n = 0;
    var parse = state.result && state.result.task === "parse";
    (page.blocks || []).forEach(function (b) {
      var para = el("div", { class: "side-block kind-" + safeClass(b.kind) });
      if (parse && b.kind) para.appendChild(el("span", { class: "side-kind", text: b.kind }));
      (b.lines || []).forEach(function (ln) {
        para.appendChild(el("span", { class: "side-line", "data-line": String(n++), text: ln.text }));
      });
      side.appendChild(para);
    });
    if (!n) side.appendChild(el("p", { class: "muted", text: t("noLines") }));
  }

  function highlightLine(i, scroll) {
    document.querySelectorAll(".hl").forEach(function (n) { n.classList.remove("hl"); });
    if (i === null || i === undefined) return;
    var poly = document.querySelector('#overlay polygon.line[data-line="' + i + '"]');
    var span = document.querySelector('#side .side-line[data-line="' + i + '"]');
    if (poly) poly.classList.add("hl");
    if (span) {
      span.classList.add("hl");
      if (scroll && state.split) {
        var side = $("side");
        var top = span.offsetTop - side.offsetTop;
        if (top < side.scrollTop || top > side.scrollTop + side.clientHeight - 30) side.scrollTop = top - 40;
      }
    }
  }

  // ---------------------------------------------------------------- running
  function updateRunButton() {
    $("run").disabled = !state.file || !$("prompt").value.trim() || state.running;
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
    state.lastPrompt = prompt;
    state.lastPages = "";
    if (state.needsPreview) {
      var pages = $("pages").value.trim();
      if (pages && pages.toLowerCase() !== "all") state.lastPages = pages;
    }
    state.cancelled = false;
    state.running = true;
    $("run").disabled = true;
    $("run").classList.add("loading");
    $("cancel").hidden = false;
    $("downloads").hidden = true;
    if (state.batch.length > 1) { runBatch(prompt); return; }
    runEntry(null, prompt).then(function () { finish(); revealResults(); });
  }

  /* One file: the shown one (entry null) or a batch entry. Resolves when it has a result or
   * an error (shown when the file is the one on screen); never rejects. */
  function runEntry(entry, prompt) {
    var file = entry ? entry.file : state.file;
    var needs = entry ? entry.needsPreview : state.needsPreview;
    var opts = { prompt: prompt, pages: needs ? state.lastPages : "", dpi: needs ? $("dpi").value : "",
      needsPreview: needs,
      totalPages: entry ? entry.totalPages : state.totalPages };
    var shown = function () { return entry ? state.batch[state.current] === entry : state.file === file; };
    if (shown()) { state.result = null; clearResultViews(); }
    state.started = performance.now();
    if (entry) setEntryStatus(entry, "running");
    return runFile(file, opts).then(function (body) {
      var ms = performance.now() - state.started;
      if (entry) { entry.result = body; entry.error = null; entry.roundTripMs = ms; setEntryStatus(entry, "done"); }
      if (shown()) {
        state.roundTripMs = ms;
        state.result = body;
        state.resultPage = 0;
        renderResult(true);
      }
    }, function (err) {
      if (err && err.cancelled) {
        if (entry) setEntryStatus(entry, entry.result ? "done" : "queued");
        return;
      }
      if (entry) { entry.error = err; setEntryStatus(entry, "failed"); }
      if (shown()) {
        if (FILE_ERRORS.indexOf(err.key) >= 0) showNoPreview();
        showError(err);
      }
    });
  }

  /* Several files: one after the other with the same instruction; each row shows its state,
   * and the page shows the file being read. */
  function runBatch(prompt) {
    state.batch.forEach(function (e) { e.result = null; e.error = null; setEntryStatus(e, "queued"); });
    var i = 0;
    var next = function () {
      if (state.cancelled || i >= state.batch.length) { finish(); revealResults(); return; }
      var entry = state.batch[i++];
      showEntry(state.batch.indexOf(entry));
      runEntry(entry, prompt).then(next);
    };
    next();
  }

  /* The request for one file: a multi-page PDF goes through the jobs API (per-page progress)
   * or, where the server has none, page by page through /v1/ocr; anything else is one
   * POST /v1/ocr. Resolves with the /v1/ocr body; rejects with an error object. */
  function runFile(file, opts) {
    var pages = opts.needsPreview ? selectedPages(opts.pages, opts.totalPages) : null;
    var form = ocrForm(file, opts, opts.pages);
    if (pages && pages.length > 1 && /\.pdf$/i.test(file.name)) {
      return runJob(form, pages.length).catch(function (err) {
        if (!err || !err.noJobs) throw err;
        return runPageByPage(file, opts, pages);
      });
    }
    setBusy(t("uploading", { p: 0 }), true);
    return postForm("/v1/ocr", form, true).then(function (resp) {
      if (resp.status >= 200 && resp.status < 300 && resp.body && resp.body.document) return resp.body;
      throw errorFrom(resp.status, resp.body);
    });
  }

  function ocrForm(file, opts, pages) {
    var form = new FormData();
    form.append("file", file.blob, file.name);
    form.append("prompt", opts.prompt);
    if (pages) form.append("pages", pages);
    if (opts.dpi) form.append("dpi", opts.dpi);
    return form;
  }

  /* "1-3,5" / "all" / "" -> [1, 2, 3, 5] within 1..total; null when it does not parse (the
   * server then says what is wrong with it). */
  function selectedPages(spec, total) {
    var s = String(spec || "").trim().toLowerCase();
    var out = [];
    if (!s || s === "all") {
      for (var p = 1; p <= total; p++) out.push(p);
      return out;
    }
    var parts = s.split(",");
    for (var i = 0; i < parts.length; i++) {
      var m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(parts[i]);
      if (!m) return null;
      var a = parseInt(m[1], 10);
      var b = m[2] ? parseInt(m[2], 10) : a;
      if (a < 1 || b < a || b > total) return null;
      for (var k = a; k <= b; k++) if (out.indexOf(k) < 0) out.push(k);
    }
    return out;
  }

  /* XHR (for upload progress and abort): resolves {status, body}; rejects {key: "network"} or
   * {cancelled: true}. */
  function postForm(url, form, withProgress, method) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      state.xhr = xhr;
      xhr.open(method || "POST", url);
      var headers = authHeaders();
      Object.keys(headers).forEach(function (k) { xhr.setRequestHeader(k, headers[k]); });
      xhr.setRequestHeader("Accept", "application/json");
      if (withProgress) {
        $("busy-bar").style.width = "0%";
        xhr.upload.onprogress = function (e) {
          if (!e.lengthComputable) return;
          var p = Math.round((e.loaded / e.total) * 100);
          $("busy-text").textContent = t("uploading", { p: p });
          $("busy-bar").style.width = p + "%";
        };
        xhr.upload.onload = startWorkingTimer;
      }
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        if (state.xhr === xhr) state.xhr = null;
        resolve({ status: xhr.status, body: body });
      };
      xhr.onerror = function () { if (state.xhr === xhr) state.xhr = null; reject({ key: "network" }); };
      xhr.onabort = function () { if (state.xhr === xhr) state.xhr = null; reject({ cancelled: true }); };
      xhr.send(form);
    });
  }

  function showPageProgress(done, total, eta) {
    $("busy").hidden = false;
    $("busy").classList.remove("indeterminate");
    if (state.timer) { clearInterval(state.timer); state.timer = null; }
    var k = Math.min(done + 1, total);
    $("busy-text").textContent = typeof eta === "number" && eta > 0
      ? t("pageProgressEta", { k: k, n: total, eta: Math.max(1, Math.round(eta)) })
      : t("pageProgress", { k: k, n: total });
    $("busy-bar").style.width = Math.round((done / Math.max(total, 1)) * 100) + "%";
  }

  /* POST /v1/jobs, then poll GET /v1/jobs/{id} for pages_done/pages_total until it is done,
   * then GET its result (the /v1/ocr body). A server without the jobs API (404/405/501, or
   * 503 jobs_unavailable: its job store is not usable) rejects with {noJobs: true}. */
  function runJob(form, nPages) {
    setBusy(t("uploading", { p: 0 }), true);
    return postForm("/v1/jobs", form, true).then(function (resp) {
      if (resp.status === 404 || resp.status === 405 || resp.status === 501) throw { noJobs: true };
      var code = resp.body && resp.body.error && resp.body.error.code;
      if (resp.status === 503 && code === "jobs_unavailable") throw { noJobs: true };
      if (resp.status !== 202 && resp.status !== 200 && resp.status !== 201) throw errorFrom(resp.status, resp.body);
      var id = resp.body && resp.body.id;
      if (!id) throw { noJobs: true };
      state.jobId = id;
      showPageProgress(0, (resp.body && resp.body.pages_total) || nPages, null);
      return pollJob(id, nPages);
    });
  }

  function getJson(url) {
    return fetch(url, { headers: authHeaders() }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) {
        return { status: r.status, body: body };
      });
    }, function () { throw { key: "network" }; });
  }

  function pollJob(id, nPages) {
    return new Promise(function (resolve, reject) {
      var tick = function () {
        if (state.cancelled) { reject({ cancelled: true }); return; }
        getJson("/v1/jobs/" + encodeURIComponent(id)).then(function (resp) {
          if (resp.status !== 200 || !resp.body) { reject(errorFrom(resp.status, resp.body)); return; }
          var job = resp.body;
          var total = job.pages_total || nPages;
          if (job.state === "done") {
            showPageProgress(total, total, null);
            getJson("/v1/jobs/" + encodeURIComponent(id) + "/result?format=json").then(function (res) {
              state.jobId = null;
              if (res.status === 200 && res.body && res.body.document) resolve(res.body);
              else reject(errorFrom(res.status, res.body));
            }, reject);
            return;
          }
          if (job.state === "failed" || job.state === "cancelled") {
            state.jobId = null;
            var first = (job.errors || [])[0] || {};
            if (job.state === "cancelled") { reject({ cancelled: true }); return; }
            reject(errorFrom(422, { error: { code: first.code || "", message: first.message || "",
              source: first.file ? first.file + (first.page ? " p." + first.page : "") : "" } }));
            return;
          }
          showPageProgress(job.pages_done || 0, total, job.eta_s);
          setTimeout(tick, 400);
        }, reject);
      };
      tick();
    });
  }

  /* No jobs API on this server: ask /v1/ocr for one page at a time (pages=N) and merge the
   * answers, so a long PDF still shows "page k of n". */
  function runPageByPage(file, opts, pages) {
    var parts = [];
    var step = function (i) {
      if (i >= pages.length) return Promise.resolve(mergeResults(parts));
      showPageProgress(i, pages.length, null);
      return postForm("/v1/ocr", ocrForm(file, opts, String(pages[i])), false).then(function (resp) {
        if (!(resp.status >= 200 && resp.status < 300 && resp.body && resp.body.document)) {
          throw errorFrom(resp.status, resp.body);
        }
        parts.push(resp.body);
        return step(i + 1);
      });
    };
    return step(0);
  }

  function isEmpty(v) {
    return v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length);
  }

  /* Per-page /v1/ocr answers -> one answer in the same shape: pages, lines, Markdown and text
   * joined in page order; for named fields the first page that has a value wins. */
  function mergeResults(parts) {
    var first = parts[0];
    if (parts.length === 1) return first;
    var out = JSON.parse(JSON.stringify(first));
    var docs = parts.map(function (p) { return p.document || {}; });
    out.document.pages = [].concat.apply([], docs.map(function (d) { return d.pages || []; }));
    out.document.text = docs.map(function (d) { return d.text || ""; }).join("\n\n");
    var confs = docs.filter(function (d) { return typeof d.confidence === "number"; });
    if (confs.length) out.document.confidence = confs.reduce(function (a, d) { return a + d.confidence; }, 0) / confs.length;
    var output = {};
    parts.forEach(function (p) {
      var o = p.output || {};
      Object.keys(o).forEach(function (k) {
        var v = o[k];
        if (!(k in output)) { output[k] = JSON.parse(JSON.stringify(v === undefined ? null : v)); return; }
        if (typeof v === "string" && typeof output[k] === "string") {
          output[k] = output[k] && v ? output[k].replace(/\n+$/, "") + "\n\n" + v : output[k] || v;
        } else if (Array.isArray(v) && Array.isArray(output[k])) {
          output[k] = output[k].concat(v);
        } else if (v && typeof v === "object" && output[k] && typeof output[k] === "object") {
          Object.keys(v).forEach(function (f) {
            var cur = output[k][f];
            var curEmpty = isEmpty(cur) || (cur && typeof cur === "object" && isEmpty(cur.value));
            var vEmpty = isEmpty(v[f]) || (v[f] && typeof v[f] === "object" && isEmpty(v[f].value));
            if (curEmpty && !vEmpty) output[k][f] = v[f];
          });
        }
      });
    });
    out.output = output;
    out.content = first.task === "extract" && output.fields
      ? JSON.stringify(output.fields)
      : parts.map(function (p) { return p.content || ""; }).filter(Boolean).join("\n\n");
    var u = out.usage || {};
    parts.slice(1).forEach(function (p) {
      var pu = p.usage || {};
      Object.keys(pu.stages_ms || {}).forEach(function (s) {
        u.stages_ms = u.stages_ms || {};
        u.stages_ms[s] = (u.stages_ms[s] || 0) + pu.stages_ms[s];
      });
      ["total_ms", "pages", "lines_detected"].forEach(function (k) {
        if (typeof pu[k] === "number") u[k] = (u[k] || 0) + pu[k];
      });
      if (pu.cache && u.cache) {
        u.cache.hits = (u.cache.hits || 0) + (pu.cache.hits || 0);
        u.cache.misses = (u.cache.misses || 0) + (pu.cache.misses || 0);
      }
      (pu.notes || []).forEach(function (n) { if ((u.notes || []).indexOf(n) < 0) (u.notes = u.notes || []).push(n); });
    });
    u.notes = (u.notes || []).concat(["read page by page through /v1/ocr (" + parts.length +
      " requests): this server has no jobs API"]);
    out.usage = u;
    return out;
  }

  // Errors about the file itself: the browser's partial preview would only mislead.
  var FILE_ERRORS = ["invalid_input", "unsupported_format", "encrypted_pdf"];

  function showNoPreview() {
    $("stage").hidden = true;
    $("zoom-tools").hidden = true;
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
    state.running = false;
    setIdle();
    $("run").classList.remove("loading");
    $("cancel").hidden = true;
    updateRunButton();
    if (state.batch.length > 1) renderBatch();
  }

  function cancel() {
    state.cancelled = true;
    if (state.jobId) {
      fetch("/v1/jobs/" + encodeURIComponent(state.jobId), { method: "DELETE", headers: authHeaders() })
        .catch(function () { /* the job ends on its own */ });
      state.jobId = null;
    }
    if (state.xhr) state.xhr.abort();
    finish();
  }

  // ---------------------------------------------------------------- batch of files
  function setBatch(files) {
    state.batch = files.map(function (f) {
      return { file: { blob: f, name: f.name || "upload", type: f.type || "" }, status: "queued",
        result: null, error: null, roundTripMs: 0, needsPreview: needsServerPreview(f.type || "", f.name || ""),
        totalPages: 1 };
    });
    state.current = 0;
    showEntry(0);
  }

  function needsServerPreview(type, name) {
    return !BROWSER_IMAGES.test(type) || /\.(pdf|tiff?)$/i.test(name);
  }

  /* Show batch entry i: its file, and its result or error when it has one. */
  function showEntry(i) {
    var entry = state.batch[i];
    if (!entry) return;
    state.current = i;
    loadFileView(entry.file);
    if (entry.result) {
      state.result = entry.result;
      state.resultPage = 0;
      state.roundTripMs = entry.roundTripMs;
      renderResult(true);
    } else if (entry.error) {
      showError(entry.error);
    }
    renderBatch();
  }

  function setEntryStatus(entry, status) {
    entry.status = status;
    renderBatch();
  }

  function renderBatch() {
    var box = $("batch-box");
    box.hidden = state.batch.length < 2;
    if (box.hidden) return;
    var done = state.batch.filter(function (e) { return e.status === "done" || e.status === "failed"; }).length;
    $("batch-title").textContent = t("batchTitle", { n: state.batch.length }) + " · " +
      t("batchDone", { done: done, n: state.batch.length });
    var list = $("batch");
    list.textContent = "";
    state.batch.forEach(function (entry, i) {
      var b = el("button", { type: "button", class: "batch-item" + (i === state.current ? " current" : ""),
        "data-status": entry.status, "aria-current": i === state.current ? "true" : "false" }, [
        el("span", { class: "batch-name", text: entry.file.name }),
        el("span", { class: "batch-status st-" + entry.status, text: t("st_" + entry.status) })
      ]);
      b.addEventListener("click", function () { if (!state.running) showEntry(i); });
      list.appendChild(el("li", null, [b]));
    });
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
    // The viewer had no size while its tab was hidden: fit the page again now.
    if (name === "page" && view.w) { if (view.fit) fitView(view.fit); else applyView(); }
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
        link: typeof f.link_confidence === "number" ? f.link_confidence : null,
        read: typeof f.read_confidence === "number" ? f.read_confidence : null,
        boxes: boxes, valid: valid, note: note, normalized: f.normalized,
        type: f.type || "", method: f.method || "" };
    });
  }

  /* A field's confidence in its parts (the link's probability × the OCR's least sure word of
   * the value), for the confidence cell's tooltip; "" when the answer gives no parts. */
  function confParts(f) {
    var parts = [];
    if (f.link !== null && f.link !== undefined) parts.push(t("confLink") + " " + pct(f.link));
    if (f.read !== null && f.read !== undefined) parts.push(t("confRead") + " " + pct(f.read));
    return parts.join(" × ");
  }

  function taskLabel(task) {
    var key = "task_" + task;
    return I18N.en[key] ? t(key) : task;
  }

  /* `first`: a new result, so open the tab that holds the answer (Fields for an extraction,
   * Markdown for a parse, the page with its text beside it for a read). */
  function renderResult(first) {
    var r = state.result;
    if (!r) return;
    var pages = (r.document && r.document.pages) || [];
    var isExtract = r.task === "extract";
    var isParse = r.task === "parse";
    state.layers.blocks = isParse;
    // Summary chips.
    var sum = $("summary");
    sum.textContent = "";
    sum.appendChild(el("span", { class: "badge task", "data-task": r.task, text: taskLabel(r.task) }));
    var nLines = pages.reduce(function (n, p) {
      return n + (p.blocks || []).reduce(function (m, b) { return m + (b.lines || []).length; }, 0);
    }, 0);
    sum.appendChild(el("span", { class: "badge", text: nLines === 1 ? t("line1") : t("lines", { n: nLines }) }));
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
    if (isParse) renderMarkdown(resultMarkdown(r), figureImages(r));
    var text = resultText(r);
    // An empty answer says why (the server's `empty_reason`).
    $("text-view").textContent = text || (typeof r.empty_reason === "string" && r.empty_reason) || t("noText");
    $("text-view").classList.toggle("empty", !text);
    renderJson();
    renderRunView();
    renderDownloads();
    $("downloads").hidden = false;
    if (first) {
      var tab = { extract: "fields", parse: "markdown", spot: "page" }[r.task] || "page";
      if (tab === "page" && r.task !== "spot" && !state.splitChosen) setSplit(true);
      selectTab(tab);
    }
  }

  function renderJson() {
    var r = state.result;
    var shown = state.jsonFull ? r : (r.output !== undefined ? r.output : r);
    $("json-view").innerHTML = highlightJson(JSON.stringify(shown, null, 2));
    $("json-what").textContent = t(state.jsonFull ? "jsonFull" : "jsonOutput");
    $("json-full").textContent = t(state.jsonFull ? "showOutput" : "showFull");
    $("json-full").setAttribute("aria-pressed", String(state.jsonFull));
  }

  /* "Answer" downloads what an OpenAI client would get (`content`): the fields JSON for an
   * extraction, Markdown for a parse, text otherwise. */
  function answerExt(r) {
    return { extract: "json", parse: "md", spot: "json" }[r.task] || (isJsonText(r.content) ? "json" : "txt");
  }
  function renderDownloads() {
    var r = state.result;
    $("dl-answer").textContent = t("dlAnswer") + " (." + answerExt(r) + ")";
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
    if (state.split) renderSide(page);
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
    var lineNo = 0;
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
        var shape = svg("polygon", { points: pts(lp), class: cls, "vector-effect": "non-scaling-stroke",
          "data-line": String(lineNo++) });
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
          var chk = checkOf(f);
          var title = f.name + (chk ? " · " + chk.text : "");
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

  /* Kinds of field whose value is checked by a rule that can reject it (the ID number's check
   * digit, a passport's ICAO check digits, a real date, an amount, a phone number, an email
   * address). Any other field (a name, a company, an address) has no check behind it, so it
   * gets no badge: "valid" there would only mean "found". */
  var CHECKED_TYPES = ["cn_id", "mrz", "date", "amount", "phone", "email", "sex"];

  function checkOf(f) {
    var kind = f.method === "mrz" ? "mrz" : f.type;
    if (f.valid === false) return { ok: false, text: "✗ " + t("checkFailed") + (CHECKED_TYPES.indexOf(kind) >= 0 ? ": " + t("check_" + kind) : "") };
    if (f.valid === true && CHECKED_TYPES.indexOf(kind) >= 0) return { ok: true, text: "✓ " + t("check_" + kind) };
    return null;
  }

  function fieldsJson() {
    var out = (state.result && state.result.output) || {};
    return JSON.stringify(out.fields !== undefined ? out.fields : {}, null, 2) + "\n";
  }

  /* CSV (RFC 4180, with a byte-order mark so spreadsheet programs read it as UTF-8). */
  function fieldsCsv() {
    var q = function (v) {
      var s = v === null || v === undefined ? "" : String(v);
      return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    };
    var rows = [["field", "value", "normalized", "confidence", "check"]];
    extractedFields(state.result).forEach(function (f) {
      var chk = checkOf(f);
      rows.push([f.name, valueText(f.value), valueText(f.normalized),
        f.confidence === null ? "" : f.confidence, chk ? (chk.ok ? "passed" : "failed") : ""]);
    });
    return "\ufeff" + rows.map(function (r) { return r.map(q).join(","); }).join("\r\n") + "\r\n";
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
      var chk = has || f.valid === false ? checkOf(f) : null;
      if (chk) { check = chk.text; cls = chk.ok ? "ok" : "bad"; }
      var checkCell = el("td", { class: "check " + cls, title: chk ? "" : t("noCheck") }, [check]);
      if (f.note) checkCell.appendChild(el("div", { class: "muted small", text: f.note }));
      var valueCell = el("td", { class: has ? "fvalue" : "fvalue missing", text: has ? valueText(f.value) : t("notFound") });
      var norm = f.normalized;
      if (has && norm !== null && norm !== undefined && valueText(norm) !== valueText(f.value)) {
        valueCell.appendChild(el("div", { class: "normalized", title: t("normalized"), text: "→ " + valueText(norm) }));
      }
      var row = el("tr", { "data-field": f.name }, [
        el("td", { class: "fname", text: f.name }),
        valueCell,
        el("td", { class: "num", text: f.confidence === null ? "" : pct(f.confidence),
          title: confParts(f) }),
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

  /* A parse answer's cut-out figures as data URLs by the name the Markdown references. */
  function figureImages(r) {
    var images = {};
    ((r.output && r.output.figures) || []).forEach(function (f) {
      if (f && typeof f.name === "string" && typeof f.data === "string" && f.mime === "image/png") {
        images[f.name] = "data:image/png;base64," + f.data;
      }
    });
    return images;
  }

  function renderMarkdown(md, images) {
    var view = $("md-view");
    view.textContent = "";
    var bar = el("div", { class: "md-bar" });
    var body = el("div", { class: "md-body" });
    var src = el("pre", { class: "md-source", hidden: "hidden" });
    src.textContent = md;
    body.innerHTML = window.PromptMarkdown.render(md, { images: images || {} });
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

  function stageLabel(name) { return (t("stageNames") || {})[name] || name; }

  function matchedText(m) {
    if (m === "free" || m === "empty") return t("matched_" + m);
    if (String(m).indexOf("official:") === 0) return t("matched_official", { id: String(m).slice(9) });
    return m;
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
    var head = el("div", { class: "plan-task" }, [el("span", { class: "badge task", text: taskLabel(plan.task || r.task) })]);
    if (plan.matched) head.appendChild(el("span", { class: "muted small plan-matched", title: plan.matched, text: matchedText(plan.matched) }));
    planCard.appendChild(head);
    var args = plan.arguments || {};
    var argKeys = Object.keys(args);
    if (argKeys.length) {
      var dl = el("dl", { class: "args" });
      argKeys.forEach(function (k) {
        dl.appendChild(el("dt", { title: k, text: (t("argNames") || {})[k] || k }));
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
      var why = runs ? ((t("stageWhy") || {})[name] || reason) : t("stageSkips");
      steps.appendChild(el("li", { class: runs ? "runs" : "skips", "data-stage": name, title: reason }, [
        el("span", { class: "mark", "aria-hidden": "true", text: runs ? "✓" : "–" }),
        el("span", { class: "stage-name", text: stageLabel(name) }),
        el("span", { class: "why", text: why })
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
        el("span", { class: "bar-name", title: s, text: stageLabel(s) + (calls > 1 ? " ×" + calls : "") }),
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
    if (usage.cache) fact(t("cache"), t("cacheFacts", { hits: usage.cache.hits || 0, misses: usage.cache.misses || 0 }));
    timeCard.appendChild(facts);
    box.appendChild(timeCard);

    var skipCard = el("div", { class: "card" }, [el("h3", { text: t("skippedTitle") })]);
    var keys = Object.keys(skipped);
    if (!keys.length) skipCard.appendChild(el("p", { class: "muted", text: t("nothingSkipped") }));
    else {
      var ul = el("ul", { class: "skipped" });
      keys.forEach(function (k) {
        ul.appendChild(el("li", { "data-stage": k }, [el("span", { class: "stage-name", title: k, text: stageLabel(k) }), " — " + skipped[k]]));
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
    if (kind === "answer") {
      var ext = answerExt(r);
      var body = typeof r.content === "string" ? r.content : "";
      if (ext === "json" && isJsonText(body)) {
        try { body = JSON.stringify(JSON.parse(body), null, 2); } catch (e) { /* keep it as sent */ }
      }
      save(body.replace(/\n*$/, "\n"), "answer." + ext, ext === "json" ? "application/json" : ext === "md" ? "text/markdown" : "text/plain");
    }
    if (kind === "fields-json") save(fieldsJson(), "fields.json", "application/json");
    if (kind === "fields-csv") save(fieldsCsv(), "fields.csv", "text/csv");
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
  function copyText(text, button, labelKey) {
    var done = function () {
      button.textContent = t("copied");
      setTimeout(function () { button.textContent = t(labelKey || "copy"); }, 1200);
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
      takeFiles(input.files);
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
      takeFiles(e.dataTransfer && e.dataTransfer.files);
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
    wireZoom();
    $("json-full").addEventListener("click", function () {
      state.jsonFull = !state.jsonFull;
      if (state.result) renderJson();
    });
    $("fields-copy").addEventListener("click", function () { copyText(fieldsJson(), $("fields-copy"), "copyJson"); });
    $("side").addEventListener("mouseover", function (e) {
      var n = e.target.closest ? e.target.closest(".side-line") : null;
      highlightLine(n ? n.getAttribute("data-line") : null, false);
    });
    $("side").addEventListener("mouseleave", function () { highlightLine(null); });
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
      var line = e.target.getAttribute && e.target.getAttribute("data-line");
      highlightLine(line, true);
      if (state.pinned || view.moved && Object.keys(view.pointers).length) return;
      var hit = infoOf(e.target);
      if (hit) showTooltip(hit.info, e.clientX, e.clientY); else hideTooltip();
    });
    ov.addEventListener("mouseleave", function () { highlightLine(null); if (!state.pinned) hideTooltip(); });
    ov.addEventListener("click", function (e) {
      if (view.moved) { view.moved = false; return; }  // the end of a pan, not a tap on a box
      var hit = infoOf(e.target);
      if (hit) { state.pinned = null; showTooltip(hit.info, e.clientX, e.clientY); state.pinned = hit.node; }
      else hideTooltip();
    });
  }

  document.addEventListener("DOMContentLoaded", init);
  window.promptocrUI = { state: state, toHocr: toHocr, extractedFields: extractedFields };
})();
