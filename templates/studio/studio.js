// The studio's lesson page: a form over lesson.yaml and script.md, and a live preview.
// The server pushes the lesson's state (messages, cards, video, checks) as Server-Sent Events;
// saving posts the whole form with the version it was loaded at, so a stale tab cannot overwrite.
"use strict";
(function () {
  const slug = document.body.dataset.slug;
  if (!slug) return;
  const S = JSON.parse(document.getElementById("strings").textContent);
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const api = "/api/lessons/" + slug;
  let form = null;        // the form as last loaded or saved
  let parts = [];         // parts as edited: {index, type, section, file} or new {index:null, type:"card", ...}
  let dirty = false;
  let lastState = null;
  let saving = false;

  function status(text) { $("#status").textContent = text; }
  function markDirty() { dirty = true; status(S.unsaved); }

  function row(templateId, container, values) {
    const node = $(templateId).content.firstElementChild.cloneNode(true);
    for (const input of $$("[data-k]", node)) input.value = values[input.dataset.k] || "";
    $(".remove", node).addEventListener("click", () => { node.remove(); markDirty(); });
    container.appendChild(node);
    return node;
  }

  function fill(newForm) {
    form = newForm;
    const f = form.fields;
    $("#f-title").value = f.title;
    $("#f-language").value = f.language;
    $("#f-theme").value = f.theme;
    $("#f-school").value = f.school.name;
    $("#f-authors").replaceChildren();
    f.authors.forEach((a, i) => { const n = row("#t-author", $("#f-authors"), a); n.dataset.field = "authors[" + i + "]"; });
    $("#f-objectives").replaceChildren();
    f.objectives.forEach((o, i) => { const n = row("#t-objective", $("#f-objectives"), {text: o}); n.dataset.field = "objectives[" + i + "]"; });
    for (const box of $$("input[name=formats]")) box.checked = f.formats.includes(box.value);
    parts = form.parts.map(p => Object.assign({}, p));
    renderParts();
    dirty = false;
    status("");
    if (lastState) showMessages(lastState.diagnostics);
  }

  function sectionOf(id) { return form.sections.find(s => s.id === id); }

  function renderParts() {
    const list = $("#parts");
    list.replaceChildren();
    parts.forEach((part, position) => {
      const node = $("#t-part").content.firstElementChild.cloneNode(true);
      node.dataset.field = part.index === null ? "" : "sequence[" + part.index + "]";
      $(".kind", node).textContent = S.kinds[part.type] || part.type;
      $(".name", node).textContent = part.section || part.file || "";
      const section = part.type === "card" ? (part.index === null ? part : sectionOf(part.section)) : null;
      if (section) {
        const fields = $(".card-fields", node);
        fields.hidden = false;
        for (const input of $$("[data-k]", fields)) {
          if (input.tagName === "DIV") { input.dataset.msgsFor = "section:" + (part.section || "") + "." + input.dataset.k; continue; }
          input.value = section[input.dataset.k] || "";
          input.dataset.field = "section:" + (part.section || "") + "." + input.dataset.k;
          input.addEventListener("input", () => { section[input.dataset.k] = input.value; markDirty(); });
        }
      }
      $("[data-k=part]", node).dataset.msgsFor = node.dataset.field || "new";
      $(".up", node).disabled = position === 0;
      $(".down", node).disabled = position === parts.length - 1;
      $(".up", node).addEventListener("click", () => move(position, -1));
      $(".down", node).addEventListener("click", () => move(position, 1));
      $(".remove", node).addEventListener("click", () => { parts.splice(position, 1); renderParts(); markDirty(); });
      list.appendChild(node);
    });
  }

  function move(position, by) {
    const [part] = parts.splice(position, 1);
    parts.splice(position + by, 0, part);
    renderParts();
    markDirty();
  }

  function collect() {
    const authors = $$(".row", $("#f-authors")).map(r => ({name: $("[data-k=name]", r).value, school: $("[data-k=school]", r).value, email: $("[data-k=email]", r).value}));
    const objectives = $$(".row", $("#f-objectives")).map(r => $("[data-k=text]", r).value);
    return {
      version: form.version,
      fields: {title: $("#f-title").value, language: $("#f-language").value, theme: $("#f-theme").value,
               school: {name: $("#f-school").value}, authors, objectives,
               formats: $$("input[name=formats]").filter(b => b.checked).map(b => b.value)},
      sections: form.sections,
      parts: parts.map(p => p.index === null ? p : {index: p.index}),
    };
  }

  async function post(url, body, type) {
    const response = await fetch(url, {method: "POST", body, headers: {"Content-Type": type}, credentials: "same-origin"});
    return [response, await response.json()];
  }

  async function save() {
    status(S.saving);
    saving = true;
    let response, answer;
    try {
      [response, answer] = await post(api + "/save", JSON.stringify(collect()), "application/json");
    } finally {
      saving = false;
    }
    if (!response.ok) {
      status("");
      const banner = $("#conflict");
      banner.textContent = answer.error;
      banner.hidden = false;
      return;
    }
    $("#conflict").hidden = true;
    fill(answer.form);
    status(S.saved);
    document.body.dataset.saves = String(Number(document.body.dataset.saves || 0) + 1);
  }

  async function upload(file) {
    status(S.uploading);
    const [response, answer] = await post(api + "/media?name=" + encodeURIComponent(file.name), file, "application/octet-stream");
    const box = $("[data-msgs-for=upload]");
    box.replaceChildren();
    if (!response.ok) { status(""); message(box, answer.error); return; }
    status(S.uploaded + answer.file);
    if (answer.kind === "image") {
      const hint = document.createElement("p");
      hint.textContent = S.uploaded_image.replace("FILE", answer.file);
      box.appendChild(hint);
    }
    if (answer.kind === "video") {
      parts.splice(Math.max(0, parts.length - 1), 0, {index: null, type: "clip", file: answer.file});
      renderParts();
      markDirty();
    }
  }

  function message(box, text) {
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = text;
    box.appendChild(p);
  }

  // a message's target -> the message box next to its field (the nearest enclosing field when
  // the exact one is not on the page: authors[0].name -> authors[0] -> authors), else the lesson's
  function boxFor(target) {
    let key = target.startsWith("field:") ? target.slice(6) : target;
    if (key === "lesson") return $("[data-msgs-for=lesson]");
    while (key) {
      const box = $$("[data-msgs-for]").find(b => b.dataset.msgsFor === key);
      if (box) return box;
      const field = $$("[data-field]").find(el => el.dataset.field === key);
      if (field) {
        let box2 = field.nextElementSibling;
        if (!box2 || !box2.classList.contains("msgs")) {
          box2 = document.createElement("div");
          box2.className = "msgs";
          box2.dataset.msgsFor = key;
          field.after(box2);
        }
        return box2;
      }
      const cut = Math.max(key.lastIndexOf("["), key.lastIndexOf("."));
      key = cut > 0 ? key.slice(0, cut) : "";
    }
    return $("[data-msgs-for=lesson]");
  }

  function showMessages(diagnostics) {
    for (const box of $$("[data-msgs-for]")) box.replaceChildren();
    for (const el of $$("[aria-invalid]")) el.removeAttribute("aria-invalid");
    for (const d of diagnostics || []) {
      const box = boxFor(d.target || "lesson");
      message(box, d.text);
      const field = box.previousElementSibling;
      if (field) field.setAttribute("aria-invalid", "true");
    }
  }

  // pictures already in the page, by address: an update (one comes for every file a stage places)
  // keeps the ones whose file did not change instead of loading them again, so they never flicker
  let shown = new Map();

  function image(src, alt) {
    const kept = shown.get(src);
    if (kept) {
      shown.delete(src);
      kept.alt = alt;
      return kept;
    }
    const img = document.createElement("img");
    img.src = src;
    img.alt = alt;
    img.loading = "lazy";
    return img;
  }

  function showPreview(state) {
    const cards = $("#cards");
    shown = new Map([...cards.querySelectorAll("img")].map(img => [img.getAttribute("src"), img]));
    cards.replaceChildren();
    for (const card of state.cards || []) {
      const figure = document.createElement("figure");
      figure.className = "card";
      figure.dataset.card = card.id;
      for (const [fmt, src] of Object.entries(card.images)) figure.appendChild(image(src, card.title + " — " + (S[fmt] || fmt)));
      for (const [fmt, slides] of Object.entries(state.slides || {})) {
        if (slides.cards[card.id]) figure.appendChild(image(slides.cards[card.id], card.title + " — " + S.slide + " " + fmt));
      }
      const caption = document.createElement("figcaption");
      caption.textContent = card.title;
      figure.appendChild(caption);
      cards.appendChild(figure);
    }
    const video = $("#video");
    if (state.video && video.dataset.sha !== state.video.sha256) {
      video.dataset.sha = state.video.sha256;
      video.replaceChildren();
      video.src = state.video.src;
      video.poster = state.video.poster;
      video.dataset.captions = "";
    }
    if (state.captions && video.dataset.captions !== state.captions.src) {
      video.dataset.captions = state.captions.src;
      video.replaceChildren();
      const track = document.createElement("track");
      Object.assign(track, {kind: "captions", src: state.captions.src, srclang: "", label: "captions", default: true});
      video.appendChild(track);
    }
    const checks = $("#checks");
    checks.replaceChildren();
    for (const c of state.checks || []) {
      const li = document.createElement("li");
      const verdict = c.passed === null || c.passed === undefined ? S.not_measured : c.passed ? S.passed : S.failed;
      li.className = c.passed === false ? "failed" : "passed";
      li.textContent = c.id + ": " + verdict + (c.detail ? " — " + c.detail : "");
      checks.appendChild(li);
    }
    const review = $("#review");
    review.replaceChildren();
    if (state.approval && state.approval.state) {
      review.append(state.approval.state + ": " + state.approval.reason + " ");
      if (state.approval.report) {
        const a = document.createElement("a");
        a.href = state.approval.report;
        a.textContent = S.open_report;
        review.appendChild(a);
      }
    }
  }

  function onState(state) {
    lastState = state;
    showMessages(state.diagnostics);
    showPreview(state);
    document.body.dataset.valid = String(state.valid);
    document.body.dataset.building = state.building || "";
    if (!dirty) status(state.building ? S.building + state.building : state.valid === true ? S.valid : state.valid === false ? S.invalid : S.checking);
    // the files changed outside this page: show them, unless the teacher is editing (then say so)
    if (form && !saving && state.version && state.version !== form.version) {
      if (dirty) { $("#conflict").textContent = S.changed_on_disk; $("#conflict").hidden = false; }
      else fetch(api, {credentials: "same-origin"}).then(r => r.json()).then(answer => { if (!dirty && !saving) fill(answer.form); });
    }
  }

  $("#save").addEventListener("click", save);
  document.addEventListener("keydown", e => { if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); save(); } });
  $(".editor").addEventListener("input", e => { if (!e.target.closest(".card-fields")) markDirty(); });
  $("#add-author").addEventListener("click", () => { row("#t-author", $("#f-authors"), {}); markDirty(); });
  $("#add-objective").addEventListener("click", () => { row("#t-objective", $("#f-objectives"), {}); markDirty(); });
  $("#add-card").addEventListener("click", () => {
    parts.splice(Math.max(0, parts.length - 1), 0, {index: null, type: "card", title: S.new_card, body: "", narration: ""});
    renderParts();
    markDirty();
  });
  $("#upload").addEventListener("change", e => { if (e.target.files[0]) upload(e.target.files[0]); });
  const drop = $("#drop");
  drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", e => { e.preventDefault(); drop.classList.remove("over"); if (e.dataTransfer.files[0]) upload(e.dataTransfer.files[0]); });

  fetch(api, {credentials: "same-origin"}).then(r => r.json()).then(answer => {
    fill(answer.form);
    onState(answer.state);
    const events = new EventSource(api + "/events");
    events.addEventListener("state", e => onState(JSON.parse(e.data)));
  });
})();
