// Persona Bot playground: sends without reloading, shows "Asking Maya…" while the answer is
// on its way, and polls for new posts (digests, surveys) from the clock process.
// Everything also works without JavaScript (plain form posts); this file only enhances.
"use strict";

// Photos are external URLs; hide a broken one so the initials underneath show.
document.addEventListener("error", (event) => {
  const el = event.target;
  if (el instanceof HTMLImageElement && el.closest(".avatar")) el.remove();
}, true);

(() => {
  const list = document.getElementById("messages");
  const composer = document.getElementById("composer");
  if (!list || !composer) return;
  const textarea = composer.querySelector("textarea");
  const status = document.getElementById("status");
  let seq = Number(list.dataset.seq || 0);
  let busy = 0;

  // Keep the newest message clear of the box pinned to the bottom: scrolled-to messages
  // stop this far above the viewport's end (see .messages > li in style.css).
  const composerSpace = () => {
    document.documentElement.style.setProperty("--composer-space", `${composer.offsetHeight + 24}px`);
  };
  composerSpace();
  if ("ResizeObserver" in window) new ResizeObserver(composerSpace).observe(composer);

  const scrollToEnd = () => {
    const last = list.lastElementChild;
    if (last) last.scrollIntoView({ block: "end", behavior: "smooth" });
  };

  const fragment = (html) => {
    const tpl = document.createElement("template");
    tpl.innerHTML = html.trim(); // server-rendered, autoescaped HTML
    return tpl.content.firstElementChild;
  };

  // Only the poll advances `seq`: a message streamed back to this page may have a higher
  // seq than a post the clock stored meanwhile, which the next poll must still fetch
  // (messages seen twice replace themselves in place, unless they did not change: a form
  // someone is filling in keeps what they typed).
  const rendered = new WeakMap();
  const place = (msg) => {
    document.getElementById("empty")?.remove();
    const node = fragment(msg.html);
    const old = document.getElementById(node.id);
    if (old && rendered.get(old) === msg.html) return old;
    if (old) old.replaceWith(node); else list.append(node);
    rendered.set(node, msg.html);
    return node;
  };

  const progressNode = (html) => {
    const li = document.createElement("li");
    li.className = "msg msg-bot msg-progress";
    li.setAttribute("aria-busy", "true");
    const body = document.createElement("div");
    body.className = "msg-body";
    body.innerHTML = html; // server-rendered, autoescaped HTML
    const p = body.querySelector(".reply-text");
    if (p) {
      const dots = document.createElement("span");
      dots.className = "dots";
      dots.setAttribute("aria-hidden", "true");
      dots.innerHTML = "<i></i><i></i><i></i>";
      p.append(dots);
    }
    li.append(body);
    list.append(li);
    return li;
  };

  async function post(form, submitter) {
    const data = new FormData(form, submitter);
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => b.setAttribute("aria-busy", "true"));
    busy += 1;
    let pending = null;
    if (status) status.textContent = "";
    try {
      const resp = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(data),
        headers: { "Accept": "application/x-ndjson", "X-CSRF-Token": String(data.get("csrf") || "") },
        credentials: "same-origin",
      });
      if (!resp.ok || !resp.body) {
        const text = (await resp.text()).trim();
        if (status) status.textContent = text.slice(0, 300) || `Something went wrong (HTTP ${resp.status}).`;
        return false;
      }
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let nl;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          const event = JSON.parse(line);
          if (event.type === "message") {
            if (event.role === "bot" && pending) { pending.remove(); pending = null; }
            place(event);
          } else if (event.type === "removed") {
            document.getElementById(`m${event.id}`)?.remove();
          } else if (event.type === "progress") {
            pending = progressNode(event.html);
          } else if (event.type === "error") {
            if (status) status.textContent = event.text;
          }
          scrollToEnd();
        }
      }
      return true;
    } catch (err) {
      if (status) status.textContent = `Could not reach Persona Bot: ${err.message}`;
      return false;
    } finally {
      if (pending) pending.remove();
      buttons.forEach((b) => b.removeAttribute("aria-busy"));
      busy -= 1;
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-ajax")) return;
    event.preventDefault();
    if (form === composer) {
      const text = textarea.value.trim();
      if (!text) return;
      post(form, event.submitter).then((ok) => {
        if (!ok && !textarea.value) { textarea.value = text; autosize(); }
      });
      textarea.value = "";
      autosize();
      textarea.focus();
    } else {
      post(form, event.submitter);
    }
  });

  // "Example:" lines in help cards and "Ask Sam another question" fill the box (without
  // JavaScript the link opens the page with the box filled).
  document.addEventListener("click", (event) => {
    const btn = event.target.closest("button.try, a[data-fill]");
    if (!btn) return;
    event.preventDefault();
    textarea.value = btn.dataset.fill || "";
    autosize();
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  });

  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  const autosize = () => {
    textarea.style.height = "auto";
    textarea.style.height = `${Math.min(textarea.scrollHeight, 192)}px`;
  };
  textarea.addEventListener("input", autosize);

  async function poll() {
    if (document.hidden || busy) return;
    try {
      const resp = await fetch(`/playground/messages?after=${seq}`, {
        headers: { "Accept": "application/json" }, credentials: "same-origin",
      });
      if (!resp.ok) return;
      const body = await resp.json();
      if (body.messages.length) {
        body.messages.forEach((msg) => place(msg));
        scrollToEnd();
      }
      seq = Math.max(seq, body.seq || 0);
    } catch (_) { /* offline for a moment; try again next tick */ }
  }
  setInterval(poll, 3000);
  document.addEventListener("visibilitychange", poll);
  if (list.lastElementChild) list.lastElementChild.scrollIntoView({ block: "end" });
})();
