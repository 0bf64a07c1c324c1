// Fangwusha web chat: plain script, no build step. Streams answers from /v1/chat/completions with fetch + SSE,
// keeps the conversation in memory, shows reasoning_content in a collapsible block.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const messagesEl = $("messages"), input = $("input"), sendBtn = $("send"), stopBtn = $("stop");
  const settings = { temperature: $("temperature"), thinking: $("thinking"), maxTokens: $("max-tokens"), system: $("system"), apiKey: $("api-key") };
  let history = [];
  let modelId = null;
  let controller = null;

  // Settings survive reloads.
  for (const [key, el] of Object.entries(settings)) {
    const saved = localStorage.getItem("fw." + key);
    if (saved !== null) { if (el.type === "checkbox") el.checked = saved === "true"; else el.value = saved; }
    el.addEventListener("change", () => localStorage.setItem("fw." + key, el.type === "checkbox" ? el.checked : el.value));
  }

  function headers() {
    const h = { "Content-Type": "application/json" };
    if (settings.apiKey.value) h["Authorization"] = "Bearer " + settings.apiKey.value;
    return h;
  }

  async function loadModel() {
    try {
      const r = await fetch("/v1/models", { headers: headers() });
      const j = await r.json();
      if (j.data && j.data.length) { modelId = j.data[0].id; $("model").textContent = modelId; }
    } catch (e) { /* shown on first send */ }
  }

  function addMessage(role, text) {
    const div = document.createElement("div");
    div.className = "msg " + role;
    if (role === "assistant") {
      const details = document.createElement("details");
      details.className = "reasoning";
      details.hidden = true;
      details.open = true;
      const summary = document.createElement("summary");
      summary.textContent = "Reasoning";
      const body = document.createElement("div");
      body.className = "reasoning-text";
      details.append(summary, body);
      const content = document.createElement("div");
      content.className = "content";
      const stats = document.createElement("div");
      stats.className = "stats";
      div.append(details, content, stats);
    } else {
      div.textContent = text;
    }
    messagesEl.append(div);
    messagesEl.scrollTop = messagesEl.scrollHeight;
    return div;
  }

  // Parses a fetch body as server-sent events, calling onData for each "data:" payload.
  async function readEvents(response, onData) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let sep;
      while ((sep = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
        if (data && onData(data) === false) return;
      }
    }
  }

  async function send(text) {
    history.push({ role: "user", content: text });
    addMessage("user", text);
    const div = addMessage("assistant");
    const reasoningBox = div.querySelector("details.reasoning"), reasoningEl = div.querySelector(".reasoning-text");
    const contentEl = div.querySelector(".content"), statsEl = div.querySelector(".stats");
    const messages = (settings.system.value.trim() ? [{ role: "system", content: settings.system.value.trim() }] : []).concat(history);
    const body = {
      messages, stream: true, stream_options: { include_usage: true },
      temperature: Number(settings.temperature.value),
      chat_template_kwargs: { enable_thinking: settings.thinking.checked },
    };
    if (modelId) body.model = modelId;
    if (settings.maxTokens.value) body.max_tokens = Number(settings.maxTokens.value);
    controller = new AbortController();
    sendBtn.hidden = true; stopBtn.hidden = false;
    let answer = "", reasoning = "", finish = null, usage = null;
    const started = performance.now();
    let firstToken = null;
    try {
      const r = await fetch("/v1/chat/completions", { method: "POST", headers: headers(), body: JSON.stringify(body), signal: controller.signal });
      if (!r.ok) {
        const j = await r.json().catch(() => ({}));
        throw new Error((j.error && j.error.message) || ("HTTP " + r.status));
      }
      await readEvents(r, (data) => {
        if (data === "[DONE]") return false;
        const j = JSON.parse(data);
        if (j.error) throw new Error(j.error.message);
        if (j.usage) usage = j.usage;
        for (const c of j.choices || []) {
          const d = c.delta || {};
          if (d.reasoning_content) { reasoning += d.reasoning_content; reasoningBox.hidden = false; reasoningEl.textContent = reasoning; }
          if (d.content) { answer += d.content; contentEl.textContent = answer; }
          if ((d.content || d.reasoning_content) && firstToken === null) firstToken = performance.now();
          if (c.finish_reason) finish = c.finish_reason;
        }
        messagesEl.scrollTop = messagesEl.scrollHeight;
      });
      if (reasoning) reasoningBox.open = false;
      if (finish === "content_filter") contentEl.textContent = answer + (answer ? "\n" : "") + "[stopped by the content filter]";
      const secs = (performance.now() - started) / 1000;
      statsEl.textContent = (usage ? usage.completion_tokens + " tokens, " + (usage.completion_tokens / secs).toFixed(1) + " tok/s" : "")
        + (finish ? " · " + finish : "");
      history.push({ role: "assistant", content: answer });
      div.dataset.done = "true";
    } catch (e) {
      if (e.name === "AbortError") { history.push({ role: "assistant", content: answer }); statsEl.textContent = "stopped"; }
      else { div.className = "msg error"; div.textContent = e.message; history.pop(); }
      div.dataset.done = "true";
    } finally {
      controller = null;
      sendBtn.hidden = false; stopBtn.hidden = true;
    }
  }

  $("composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text || controller) return;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("composer").requestSubmit(); }
  });
  stopBtn.addEventListener("click", () => controller && controller.abort());
  $("new-chat").addEventListener("click", () => {
    if (controller) controller.abort();
    history = [];
    messagesEl.replaceChildren();
    input.focus();
  });
  loadModel();
})();
