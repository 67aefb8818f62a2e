// fluxsearch serve: the page's behaviour. Plain ES2020 module, no dependencies, no build step.
//
// Contract with the browser tests and the server (keep it stable):
//   #q search input, #search button, #took query time, #error banner (#error-message),
//   #results grid of li.result[data-clip-id][data-video-id][data-start][data-end][data-rank]
//   [data-duplicates], each with img.thumb, button.similar and, with duplicates, span.dupes;
//   #player dialog with video#player-video; filters #path-filter, #after, #before,
//   #min-duration, #max-duration, #kind, #sort, #minus, #tokens, #refine-tokens, #refine-top,
//   #collapse, #k; #tab-index / #index-panel; #back. data-start is the best moment's start
//   when the hit has moments, else the clip's start (the player seeks there).
//   document.body.dataset.state: "idle" → "loading" → "results" | "error".
//
// Sections: token and API · formatting · views and history · the search form · rendering ·
// grid keyboard · hover previews · player · index panel and jobs · start.

const $ = (selector, root = document) => root.querySelector(selector);

// ---------------------------------------------------------------------------------------------
// Token and API

/// The server's --token, from `#token=…` in the address (then kept in sessionStorage so a reload
/// of the tab keeps it, and dropped from the address bar so it is not shared by accident).
const token = (() => {
  const hash = new URLSearchParams(location.hash.slice(1));
  let value = hash.get("token");
  try {
    if (value) sessionStorage.setItem("fluxsearch.token", value);
    else value = sessionStorage.getItem("fluxsearch.token");
  } catch { /* storage disabled: the token lives for this page only */ }
  if (hash.has("token")) {
    hash.delete("token");
    const rest = hash.toString();
    history.replaceState(history.state, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
  }
  return value || null;
})();

// A token pasted into the address of an open page (only the hash changes, so no reload): keep
// it and start again with it.
window.addEventListener("hashchange", () => {
  const value = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!value) return;
  try { sessionStorage.setItem("fluxsearch.token", value); } catch { /* see above */ }
  history.replaceState(null, "", location.pathname + location.search);
  location.reload();
});

/// img and video elements cannot send an Authorization header: media URLs carry `?token=`.
function mediaURL(url) {
  if (!token) return url;
  return `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}

function authHeaders(accept = "application/json") {
  const headers = { Accept: accept };
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/// The API's error document is {"error": {"status", "message"}}; anything else gets a message
/// made from the HTTP status.
async function errorFrom(response) {
  let message = `${response.status} ${response.statusText || "error"}`;
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) message = body.error.message;
  } catch { /* not JSON */ }
  if (response.status === 401 && !token) {
    message += " — this server needs its token: open the address `fluxsearch serve` printed (it ends in #token=…).";
  }
  return new ApiError(response.status, message);
}

/// fetch + JSON + the API's errors. Aborts (a newer search replaced this one) are rethrown as is.
async function api(path, { method = "GET", body, signal } = {}) {
  const headers = authHeaders();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, `Cannot reach the fluxsearch server (${error.message}); is \`fluxsearch serve\` still running?`);
  }
  if (!response.ok) throw await errorFrom(response);
  try {
    return await response.json();
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(response.status, `The server sent a response that is not JSON (${path}).`);
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

const pad2 = (n) => String(n).padStart(2, "0");

/// Seconds as m:ss (h:mm:ss from an hour on).
function formatTime(seconds) {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), rest = s % 60;
  return h ? `${h}:${pad2(m)}:${pad2(rest)}` : `${m}:${pad2(rest)}`;
}

const formatSpan = (span) => `${formatTime(span.start)}–${formatTime(span.end)}`;

/// Dual-softmax scores are small (0.0022) and cosines are not (0.83): show a few significant digits.
function formatScore(score) {
  if (!Number.isFinite(score)) return "?";
  const a = Math.abs(score);
  if (a >= 0.1 || a === 0) return score.toFixed(3);
  if (a >= 1e-4) return score.toPrecision(2);
  return score.toExponential(1);
}

function formatMs(ms) {
  if (!Number.isFinite(ms)) return "";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.round(seconds / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function formatDate(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

const baseName = (path) => path.split("/").filter(Boolean).pop() || path;
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/// The span a hit stands for: its best moment when the index has segments, else the clip.
const bestSpan = (hit) => (hit.moments && hit.moments.length ? hit.moments[0] : { start: hit.start, end: hit.end });

// ---------------------------------------------------------------------------------------------
// Views and history
//
// A view is one list of results: a search or a "similar" list. Views are kept in memory by their
// position in the browser history (history.state.depth), so Back/Forward and the page's own Back
// button restore them (scroll and selection included) without asking the server again; after a
// reload the address (?q=… or ?similar=ID&…) is enough to run the view again.

const state = {
  views: [],
  current: -1,
  controller: null, // AbortController of the request in flight
  index: null, // /api/index
  videos: new Map(), // video_id → Promise of /api/videos/{id}, fetched on hover or play
  sprites: new Map(), // video_id → Promise of a loaded sprite image
};

function setState(name) {
  document.body.dataset.state = name;
  $("#results").setAttribute("aria-busy", String(name === "loading"));
}

const currentView = () => state.views[state.current] || null;

function pageURL(view) {
  const params = new URLSearchParams(view.params);
  if (view.kind === "similar") {
    const all = new URLSearchParams({ similar: String(view.clip.clip_id) });
    for (const [key, value] of params) all.append(key, value);
    return `${location.pathname}?${all}`;
  }
  return `${location.pathname}?${params}`;
}

/// Runs a view's request and shows it. `how`: "push" adds a history entry, "replace" reuses the
/// current one (a reload, or the same search again).
async function runView(view, how) {
  if (state.controller) state.controller.abort();
  const controller = (state.controller = new AbortController());
  rememberPosition();
  setState("loading");
  hideError();
  $("#search").classList.add("busy");
  try {
    view.doc = await api(view.apiURL, { signal: controller.signal });
  } catch (error) {
    if (error.name === "AbortError") return;
    showError(error.message);
    setState("error");
    return;
  } finally {
    if (state.controller === controller) {
      state.controller = null;
      $("#search").classList.remove("busy");
    }
  }
  const url = pageURL(view);
  if (how === "push" && currentView() && location.pathname + location.search !== url) {
    state.views.length = state.current + 1; // a new branch drops the forward entries
    state.views.push(view);
    state.current = state.views.length - 1;
    history.pushState({ depth: state.current }, "", url);
  } else {
    state.current = Math.max(state.current, 0);
    state.views[state.current] = view;
    history.replaceState({ depth: state.current }, "", url);
  }
  showView(view);
}

function rememberPosition() {
  const view = currentView();
  if (!view) return;
  view.scrollY = window.scrollY;
  view.selected = selectedIndex();
}

window.addEventListener("popstate", (event) => {
  const depth = event.state && Number.isInteger(event.state.depth) ? event.state.depth : null;
  if (depth !== null && state.views[depth] && state.views[depth].doc) {
    rememberPosition();
    state.current = depth;
    if (state.views[depth].kind === "search") fillForm(new URLSearchParams(state.views[depth].params));
    showView(state.views[depth]);
  } else {
    state.current = depth ?? 0;
    startFromURL();
  }
});

// ---------------------------------------------------------------------------------------------
// The search form

const form = $("#search-form");
const field = (id) => $(`#${id}`);
const value = (id) => field(id).value.trim();

/// The filter inputs as API parameters (shared by search and similar).
function appendFilters(params) {
  if (value("path-filter")) params.append("path", value("path-filter"));
  if (value("after")) params.set("after", value("after"));
  if (value("before")) params.set("before", value("before"));
  if (value("min-duration")) params.set("min_duration", value("min-duration"));
  if (value("max-duration")) params.set("max_duration", value("max-duration"));
  if (value("kind")) params.set("kind", value("kind"));
  if (value("sort") && value("sort") !== "relevance") params.set("sort", value("sort"));
  return params;
}

function searchParams() {
  const params = new URLSearchParams({ q: field("q").value.trim(), k: value("k") });
  if (value("tokens")) params.set("tokens", value("tokens"));
  if (value("refine-tokens")) {
    params.set("refine_tokens", value("refine-tokens"));
    params.set("refine_top", value("refine-top") || "10");
  }
  for (const term of value("minus").split(";").map((t) => t.trim()).filter(Boolean)) params.append("minus", term);
  appendFilters(params);
  params.set("collapse", field("collapse").checked ? "true" : "false");
  return params;
}

/// Puts a search's parameters back into the form (a reload, or Back to an earlier search).
function fillForm(params) {
  const set = (id, v) => { field(id).value = v ?? ""; };
  const setSelect = (id, v) => {
    const select = field(id);
    if (v && ![...select.options].some((o) => o.value === v)) select.add(new Option(v, v));
    select.value = v ?? "";
  };
  set("q", params.get("q"));
  setSelect("k", params.get("k") || "20");
  setSelect("tokens", params.get("tokens") || "");
  set("refine-tokens", params.get("refine_tokens"));
  set("refine-top", params.get("refine_top") || "10");
  set("minus", params.getAll("minus").join("; "));
  set("path-filter", params.getAll("path")[0]);
  set("after", params.get("after"));
  set("before", params.get("before"));
  set("min-duration", params.get("min_duration"));
  set("max-duration", params.get("max_duration"));
  setSelect("kind", params.get("kind") || "");
  setSelect("sort", params.get("sort") || "relevance");
  field("collapse").checked = params.get("collapse") !== "false";
  updateActiveOptions();
}

/// "(3 set)" beside the closed Options, so that a filter is never forgotten.
function updateActiveOptions() {
  const ids = ["tokens", "refine-tokens", "minus", "path-filter", "after", "before", "min-duration", "max-duration", "kind"];
  let n = ids.filter((id) => value(id)).length;
  if (value("sort") !== "relevance") n++;
  if (!field("collapse").checked) n++;
  $("#options-active").textContent = n ? `(${n} set)` : "";
}

function search() {
  const q = field("q").value.trim();
  if (!q) {
    field("q").focus();
    return;
  }
  // The form is novalidate: native bubbles cannot point into a closed <details>.
  if (!form.checkValidity()) {
    $("#options").open = true;
    form.reportValidity();
    return;
  }
  const params = searchParams();
  runView({ kind: "search", params: params.toString(), apiURL: `/api/search?${params}` }, "push");
}

function similarTo(hit) {
  const params = appendFilters(new URLSearchParams({ k: value("k") }));
  if (value("tokens")) params.set("tokens", value("tokens"));
  const clip = { clip_id: hit.clip_id, video_id: hit.video_id, path: hit.path, start: hit.start, end: hit.end };
  runView({ kind: "similar", clip, params: params.toString(), apiURL: `/api/similar/${hit.clip_id}?${params}` }, "push");
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});
form.addEventListener("input", updateActiveOptions);
form.addEventListener("change", updateActiveOptions);
$("#clear-filters").addEventListener("click", () => {
  for (const id of ["path-filter", "after", "before", "min-duration", "max-duration", "kind"]) field(id).value = "";
  updateActiveOptions();
});
$("#back").addEventListener("click", () => history.back());

// ---------------------------------------------------------------------------------------------
// Banners

function showError(message) {
  $("#error-message").textContent = message;
  $("#error").hidden = false;
}
function hideError() {
  $("#error").hidden = true;
}
function showWarnings(list) {
  const ul = $("#warnings-list");
  ul.replaceChildren(...list.map((w) => Object.assign(document.createElement("li"), { textContent: w })));
  $("#warnings").hidden = list.length === 0;
}
$("#error-close").addEventListener("click", hideError);
$("#warnings-close").addEventListener("click", () => { $("#warnings").hidden = true; });

// ---------------------------------------------------------------------------------------------
// Rendering

const results = $("#results");
const template = $("#result-template").content.firstElementChild;

const currentHits = () => {
  const view = currentView();
  return view && view.doc ? view.doc.result.hits : [];
};

function showView(view) {
  const result = view.doc.result;
  $("#took").textContent = formatMs(result.timings && result.timings.total_ms);
  $("#summary").textContent = summaryLine(result);
  showContext(view);
  const warnings = [...(result.warnings || [])];
  for (const failure of (result.refine && result.refine.failed) || []) warnings.push(`refine: ${failure}`);
  showWarnings(warnings);
  renderHits(result.hits);
  showEmpty(result.hits.length ? "" : noResultsText(result));
  setState("results");
  // Restore where the user was in this list (Back), else start at the top.
  window.scrollTo(0, view.scrollY || 0);
  if (result.hits.length) select(Math.min(view.selected || 0, result.hits.length - 1), false);
}

function summaryLine(result) {
  const parts = [`${plural(result.hits.length, "result")} of ${plural(result.candidates, "candidate")}`, `${result.budget} tokens`];
  parts.push(result.rerank === "dsl" ? `dual softmax (bank ${result.bank_size})` : "cosine");
  const refine = result.refine;
  if (refine) parts.push(`top ${refine.top} refined at ${refine.tokens} tokens (${refine.encoded} encoded, ${refine.cached} cached)`);
  if (result.filtered !== undefined && result.filtered !== null) parts.push(`filters let ${plural(result.filtered, "clip")} through`);
  if (result.exclude) parts.push(`${result.exclude.dropped} excluded`);
  if (result.sort && result.sort !== "relevance") parts.push(`sorted by ${result.sort}`);
  return parts.join(" · ");
}

function noResultsText(result) {
  return result.filter ? "No results. The filters let nothing through that matches; try fewer filters." : "No results.";
}

function showEmpty(text) {
  $("#empty").textContent = text;
  $("#empty").hidden = !text;
}

function showContext(view) {
  const context = $("#context");
  if (view.kind !== "similar") {
    context.hidden = true;
    return;
  }
  const clip = view.clip;
  const label = $("#context-label");
  label.replaceChildren();
  const thumb = Object.assign(document.createElement("img"), {
    className: "context-thumb", src: mediaURL(`/api/clips/${clip.clip_id}/thumbnail.jpg`), alt: "",
  });
  label.append(thumb, "Similar to ");
  const strong = document.createElement("strong");
  strong.textContent = clip.path ? `${baseName(clip.path)} ${formatSpan(clip)}` : `clip ${clip.clip_id}`;
  if (clip.path) strong.title = clip.path;
  label.append(strong);
  $("#back").hidden = state.current <= 0;
  context.hidden = false;
}

/// Builds all cards in a DocumentFragment from a cloned template: one layout pass for the grid.
function renderHits(hits) {
  endHover();
  const fragment = document.createDocumentFragment();
  hits.forEach((hit, i) => fragment.append(card(hit, i)));
  results.replaceChildren(fragment);
}

function card(hit, i) {
  const li = template.cloneNode(true);
  const span = bestSpan(hit);
  const name = baseName(hit.path);
  li.dataset.index = String(i);
  li.dataset.clipId = String(hit.clip_id);
  li.dataset.videoId = String(hit.video_id);
  li.dataset.start = String(span.start);
  li.dataset.end = String(span.end);
  li.dataset.rank = String(hit.rank);
  li.dataset.duplicates = String((hit.duplicates && hit.duplicates.length) || 0);
  li.setAttribute("aria-label", `${name}, ${formatSpan(span)}, score ${formatScore(hit.score)}`);

  // `loading="lazy"` is on the template's img, so it is set before src: only visible cards load.
  const img = li.querySelector("img.thumb");
  img.src = mediaURL(`/api/clips/${hit.clip_id}/thumbnail.jpg`);
  img.alt = `${name} at ${formatTime(span.start)}`;

  li.querySelector(".rank").textContent = `#${hit.rank}`;
  li.querySelector(".span").textContent = formatSpan(span);
  const more = hit.moments && hit.moments.length > 1 ? ` (+${hit.moments.length - 1} more)` : "";
  li.querySelector(".span").title = `Best match ${formatSpan(span)}${more}`;

  if (hit.duplicates && hit.duplicates.length) {
    const badge = li.querySelector(".dupes");
    badge.hidden = false;
    badge.textContent = `+${hit.duplicates.length} ${hit.duplicates.length === 1 ? "duplicate" : "duplicates"}`;
    badge.title = hit.duplicates.map((d) => `${d.path} (similarity ${d.similarity.toFixed(3)})`).join("\n");
  }

  // Where the span lies in the video, when it is a part of it.
  if (hit.duration > 0 && span.end - span.start < hit.duration * 0.98) {
    const bar = li.querySelector(".bar");
    bar.hidden = false;
    const inner = bar.firstElementChild;
    inner.style.left = `${(100 * span.start) / hit.duration}%`;
    inner.style.width = `${Math.max(1.5, (100 * (span.end - span.start)) / hit.duration)}%`;
  }

  const nameEl = li.querySelector(".name");
  nameEl.textContent = name;
  nameEl.title = hit.path;
  // What was said there, with the query's words marked (built from text nodes: no markup from
  // the transcript reaches the page).
  if (hit.cues && hit.cues.length) {
    const said = li.querySelector(".said");
    said.hidden = false;
    const cue = hit.cues[0];
    said.append("\u201C");
    for (const f of cue.fragments) {
      const text = f.text.replace(/\n/g, " ");
      if (f.match) { const m = document.createElement("mark"); m.textContent = text; said.append(m); } else said.append(text);
    }
    said.append(`\u201D ${formatSpan(cue)}`);
    said.title = hit.cues.map((c) => `${formatSpan(c)} ${c.text}`).join("\n");
  }

  const score = li.querySelector(".score");
  score.textContent = formatScore(hit.score);
  score.title = `score ${hit.score} · cosine ${formatScore(hit.cosine)} · ${hit.budget} tokens · ${hit.kind}`
    + (hit.visual_rank ? ` · picture #${hit.visual_rank}` : "") + (hit.text_rank ? ` · transcript #${hit.text_rank}` : "")
    + (hit.recorded_at ? ` · recorded ${formatDate(hit.recorded_at)}` : "")
    + (hit.duration ? ` · ${formatDuration(hit.duration)}` : "");
  li.querySelector(".similar").setAttribute("aria-label", `Find clips similar to ${name} ${formatSpan(span)}`);
  return li;
}

// A thumbnail that fails (no keyframe, a file gone) shows a placeholder, not a broken image.
results.addEventListener("error", (event) => {
  if (event.target.matches && event.target.matches("img.thumb")) event.target.closest(".media").classList.add("no-thumb");
}, true);

results.addEventListener("click", (event) => {
  const li = event.target.closest(".result");
  if (!li) return;
  const i = Number(li.dataset.index);
  const hit = currentHits()[i];
  if (!hit) return;
  select(i, false);
  if (event.target.closest(".similar")) similarTo(hit);
  else openPlayer(hit, li);
});

// ---------------------------------------------------------------------------------------------
// Grid keyboard: a roving tabindex (one card in the tab order; arrows move it).

function selectedIndex() {
  const li = results.querySelector(".result.selected");
  return li ? Number(li.dataset.index) : 0;
}

function select(i, focus = true) {
  const items = results.children;
  if (!items.length) return;
  const next = items[Math.max(0, Math.min(items.length - 1, i))];
  const previous = results.querySelector(".result.selected");
  // Only the selected card and its Similar button are in the tab order (not 2 stops per result).
  if (previous && previous !== next) {
    previous.classList.remove("selected");
    previous.tabIndex = -1;
    previous.querySelector(".similar").tabIndex = -1;
    previous.removeAttribute("aria-current");
  }
  next.classList.add("selected");
  next.setAttribute("aria-current", "true");
  next.tabIndex = 0;
  next.querySelector(".similar").tabIndex = 0;
  if (focus) {
    next.focus({ preventScroll: true });
    next.scrollIntoView({ block: "nearest" });
  }
}

/// Cards per row, from the grid's computed tracks (auto-fill changes it with the width).
function columns() {
  const tracks = getComputedStyle(results).gridTemplateColumns.split(" ").filter(Boolean).length;
  return Math.max(1, tracks || 1);
}

results.addEventListener("keydown", (event) => {
  const li = event.target.closest(".result");
  if (!li || event.altKey || event.ctrlKey || event.metaKey) return;
  const i = Number(li.dataset.index), n = results.children.length, cols = columns();
  const onCard = event.target === li;
  let next = null;
  switch (event.key) {
    case "ArrowRight": next = i + 1; break;
    case "ArrowLeft": next = i - 1; break;
    case "ArrowDown": next = i + cols; break;
    case "ArrowUp":
      if (i - cols < 0) {
        event.preventDefault();
        field("q").focus();
        return;
      }
      next = i - cols;
      break;
    case "Home": next = 0; break;
    case "End": next = n - 1; break;
    case "Enter":
    case " ":
      if (!onCard) return; // the Similar button handles its own keys
      event.preventDefault();
      openPlayer(currentHits()[i], li);
      return;
    case "s":
      event.preventDefault();
      similarTo(currentHits()[i]);
      return;
    default:
      return;
  }
  event.preventDefault();
  if (next >= 0 && next < n) select(next);
});

field("q").addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" && results.children.length) {
    event.preventDefault();
    select(selectedIndex());
  }
});

// "/" jumps to the search box from anywhere but a text field.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || $("#player").open) return;
  const t = event.target;
  if (t.closest && t.closest("input, textarea, select, [contenteditable]")) return;
  event.preventDefault();
  showTab("search");
  field("q").focus();
  field("q").select();
});

// ---------------------------------------------------------------------------------------------
// Hover previews: after a short hover, the video's sprite (fetched only then) is drawn into one
// shared canvas over the card; the mouse's x position picks the frame.

const HOVER_DELAY_MS = 150; // sweeping across the grid should not fetch every sprite
const preview = Object.assign(document.createElement("canvas"), { className: "preview" });
const scrub = Object.assign(document.createElement("div"), { className: "scrub" });
preview.setAttribute("aria-hidden", "true");
let hover = null; // { media, videoId, x, timer, sprite, frames, raf }

function videoInfo(videoId) {
  let promise = state.videos.get(videoId);
  if (!promise) {
    promise = api(`/api/videos/${videoId}`);
    promise.catch(() => state.videos.delete(videoId));
    state.videos.set(videoId, promise);
  }
  return promise;
}

function spriteImage(videoId, info) {
  let promise = state.sprites.get(videoId);
  if (!promise) {
    promise = new Promise((resolve, reject) => {
      const img = new Image();
      img.decoding = "async";
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error("sprite failed to load"));
      img.src = mediaURL(info.sprite || `/api/videos/${videoId}/sprite.jpg`);
    });
    promise.catch(() => state.sprites.delete(videoId));
    state.sprites.set(videoId, promise);
    if (state.sprites.size > 300) state.sprites.delete(state.sprites.keys().next().value); // oldest first
  }
  return promise;
}

function startHover(media, x) {
  const li = media.closest(".result");
  const h = (hover = { media, videoId: li.dataset.videoId, x, sprite: null, frames: 0, raf: 0 });
  h.timer = setTimeout(async () => {
    try {
      const info = await videoInfo(h.videoId);
      if (hover !== h || !(info.sprite_frames > 0)) return;
      const sprite = await spriteImage(h.videoId, info);
      if (hover !== h) return;
      h.sprite = sprite;
      h.frames = info.sprite_frames;
      media.append(preview, scrub);
      drawPreview();
    } catch { /* no preview for this one; the thumbnail stays */ }
  }, HOVER_DELAY_MS);
}

function endHover() {
  if (!hover) return;
  clearTimeout(hover.timer);
  cancelAnimationFrame(hover.raf);
  hover = null;
  preview.remove();
  scrub.remove();
}

function drawPreview() {
  const h = hover;
  if (!h || !h.sprite) return;
  const rect = h.media.getBoundingClientRect();
  const ratio = Math.min(0.999, Math.max(0, (h.x - rect.left) / rect.width));
  const frame = Math.floor(ratio * h.frames);
  const dpr = window.devicePixelRatio || 1;
  const cw = Math.round(rect.width * dpr), ch = Math.round(rect.height * dpr);
  if (preview.width !== cw || preview.height !== ch) {
    preview.width = cw;
    preview.height = ch;
  }
  // Frame `frame` of the strip, scaled to cover the card like the thumbnail (object-fit: cover).
  const fw = h.sprite.naturalWidth / h.frames, fh = h.sprite.naturalHeight;
  const scale = Math.max(cw / fw, ch / fh);
  const dw = fw * scale, dh = fh * scale;
  const ctx = preview.getContext("2d");
  ctx.clearRect(0, 0, cw, ch);
  ctx.drawImage(h.sprite, frame * fw, 0, fw, fh, (cw - dw) / 2, (ch - dh) / 2, dw, dh);
  scrub.style.left = `${((frame + 0.5) / h.frames) * 100}%`;
}

results.addEventListener("pointerover", (event) => {
  if (event.pointerType !== "mouse") return;
  const media = event.target.closest(".media");
  if (!media || (hover && hover.media === media)) return;
  endHover();
  startHover(media, event.clientX);
});
results.addEventListener("pointerout", (event) => {
  if (hover && !hover.media.contains(event.relatedTarget)) endHover();
});
results.addEventListener("pointermove", (event) => {
  if (!hover) return;
  hover.x = event.clientX;
  if (hover.sprite && !hover.raf) {
    const h = hover;
    h.raf = requestAnimationFrame(() => {
      h.raf = 0;
      drawPreview();
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Player: a modal <dialog> (focus stays inside; Escape closes it natively and by the handler
// below). The video loads only here, seeks to the span once its metadata is known, and plays.

const player = $("#player");
const video = $("#player-video");
let playing = null; // { hit, span, opener }

function openPlayer(hit, opener) {
  if (!hit) return;
  endHover();
  const span = bestSpan(hit);
  playing = { hit, span, opener: opener || null };
  const name = baseName(hit.path);
  $("#player-title").textContent = `${name} · ${formatSpan(span)}`;
  $("#player-path").textContent = hit.path;
  $("#player-error").hidden = true;
  playerInfo(hit, null);
  renderMoments();
  renderDuplicates(hit);
  drawTimeline(hit.duration);

  video.src = mediaURL(`/api/videos/${hit.video_id}/stream`);
  if (!player.open) player.showModal();
  video.focus();
  videoInfo(hit.video_id).then((info) => { if (playing && playing.hit === hit) playerInfo(hit, info); }).catch(() => {});
}

function playerInfo(hit, info) {
  const parts = [];
  if (hit.score !== undefined) parts.push(`score ${formatScore(hit.score)}`);
  if (hit.cosine !== undefined) parts.push(`cosine ${formatScore(hit.cosine)}`);
  if (hit.budget) parts.push(`${hit.budget} tokens`);
  if (hit.kind) parts.push(hit.kind);
  const recorded = hit.recorded_at || (info && info.recorded_at);
  if (recorded) parts.push(`recorded ${formatDate(recorded)}`);
  if (info) {
    if (info.width && info.height) parts.push(`${info.width}×${info.height}`);
    if (info.codec) parts.push(info.codec);
    if (info.fps) parts.push(`${Math.round(info.fps * 100) / 100} fps`);
    if (info.duration) parts.push(formatDuration(info.duration));
  }
  $("#player-info").textContent = parts.join(" · ");
}

/// The spans to mark: the hit's moments (the chosen one highlighted), or its own span.
function spans() {
  const hit = playing.hit;
  return hit.moments && hit.moments.length ? hit.moments : [{ start: hit.start, end: hit.end }];
}

function renderMoments() {
  const box = $("#player-moments");
  box.replaceChildren();
  const list = spans();
  if (list.length < 2) return;
  for (const m of list) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "chip";
    button.textContent = `${formatSpan(m)}${m.score !== undefined ? ` · ${formatScore(m.score)}` : ""}`;
    button.setAttribute("aria-pressed", String(m === playing.span));
    button.addEventListener("click", () => playSpan(m));
    box.append(button);
  }
}

function renderDuplicates(hit) {
  const box = $("#player-duplicates");
  const list = hit.duplicates || [];
  box.hidden = list.length === 0;
  const ul = box.querySelector("ul");
  ul.replaceChildren();
  for (const d of list) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = `${baseName(d.path)} ${formatSpan(d)}`;
    button.title = `${d.path} (similarity ${d.similarity.toFixed(3)})`;
    button.addEventListener("click", () => openPlayer({ ...d, kind: undefined, budget: undefined, cosine: undefined }, playing.opener));
    li.append(button, ` similarity ${d.similarity.toFixed(3)}`);
    ul.append(li);
  }
}

function playSpan(span) {
  playing.span = span;
  video.currentTime = span.start;
  video.play().catch(() => {});
  $("#player-title").textContent = `${baseName(playing.hit.path)} · ${formatSpan(span)}`;
  renderMoments();
  drawTimeline(video.duration || playing.hit.duration);
}

/// The timeline bar: each span a region (the chosen one strong, the others lighter); a click
/// on a region plays it, a click elsewhere seeks there.
function drawTimeline(duration) {
  const track = $("#timeline .timeline-track");
  track.replaceChildren();
  $("#timeline-end").textContent = duration > 0 ? formatTime(duration) : "";
  if (!(duration > 0)) return;
  for (const span of spans()) {
    const region = document.createElement("button");
    region.type = "button";
    region.className = "region" + (span === playing.span || sameSpan(span, playing.span) ? " current" : "");
    region.style.left = `${Math.min(100, (100 * span.start) / duration)}%`;
    region.style.width = `${Math.max(0.8, (100 * (Math.min(span.end, duration) - span.start)) / duration)}%`;
    region.setAttribute("aria-label", `Play ${formatSpan(span)}`);
    region.title = formatSpan(span);
    region.addEventListener("click", (event) => {
      event.stopPropagation();
      playSpan(span);
    });
    track.append(region);
  }
}

const sameSpan = (a, b) => a && b && a.start === b.start && a.end === b.end;

$("#timeline").addEventListener("click", (event) => {
  const duration = video.duration;
  if (!(duration > 0)) return;
  const rect = event.currentTarget.getBoundingClientRect();
  video.currentTime = Math.max(0, Math.min(1, (event.clientX - rect.left) / rect.width)) * duration;
});

video.addEventListener("loadedmetadata", () => {
  if (!playing) return;
  const duration = video.duration;
  const start = Number.isFinite(duration) ? Math.min(playing.span.start, Math.max(0, duration - 0.05)) : playing.span.start;
  video.currentTime = start;
  drawTimeline(Number.isFinite(duration) ? duration : playing.hit.duration);
  video.play().catch(() => { /* autoplay refused: the controls are there */ });
});

video.addEventListener("timeupdate", () => {
  const duration = video.duration;
  const head = $("#timeline .playhead");
  head.style.left = duration > 0 ? `${(100 * video.currentTime) / duration}%` : "0";
});

video.addEventListener("error", () => {
  if (!playing || !video.getAttribute("src")) return;
  const code = video.error ? video.error.code : 0;
  const message = code === 4
    ? "This browser cannot play this file (its container or codec is not supported here)."
    : "The video could not be loaded.";
  const box = $("#player-error");
  box.textContent = `${message} File: ${playing.hit.path}`;
  box.hidden = false;
});

function closePlayer() {
  if (player.open) player.close();
}

player.addEventListener("close", () => {
  video.pause();
  video.removeAttribute("src"); // stop downloading
  video.load();
  const opener = playing && playing.opener;
  playing = null;
  if (opener && opener.isConnected) opener.focus();
  else field("q").focus();
});
// A click on the backdrop (the dialog element itself, outside .player-body) closes it.
player.addEventListener("click", (event) => { if (event.target === player) closePlayer(); });
$("#player-close").addEventListener("click", closePlayer);
$("#player-similar").addEventListener("click", () => {
  const hit = playing && playing.hit;
  closePlayer();
  if (hit) similarTo(hit);
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && player.open) {
    event.preventDefault();
    closePlayer();
  }
});

// ---------------------------------------------------------------------------------------------
// Index panel and jobs

function showTab(name) {
  const isIndex = name === "index";
  $("#search-panel").hidden = isIndex;
  $("#index-panel").hidden = !isIndex;
  for (const [tab, on] of [[$("#tab-search"), !isIndex], [$("#tab-index"), isIndex]]) {
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
  }
  if (isIndex) loadIndex().catch((error) => showError(error.message));
}

$("#tab-search").addEventListener("click", () => showTab("search"));
$("#tab-index").addEventListener("click", () => showTab("index"));
$(".tabs").addEventListener("keydown", (event) => {
  if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
  const next = event.target.id === "tab-search" ? "index" : "search";
  showTab(next);
  $(`#tab-${next}`).focus();
});

async function loadIndex() {
  const info = await api("/api/index");
  state.index = info;
  fillBudgets(info.budgets || []);
  $("#index-summary").textContent = `${plural(info.videos, "video")} · ${info.model}`;
  renderIndexPanel(info);
  return info;
}

function fillBudgets(budgets) {
  const select = field("tokens");
  const keep = select.value;
  const sorted = [...budgets].sort((a, b) => a - b);
  const largest = sorted[sorted.length - 1];
  const options = [new Option(largest ? `largest (${largest} tokens)` : "largest indexed", "")];
  for (const b of sorted) options.push(new Option(`${b} tokens`, String(b)));
  select.replaceChildren(...options);
  if (keep && !sorted.includes(Number(keep))) select.add(new Option(`${keep} tokens`, keep));
  select.value = keep;
}

function renderIndexPanel(info) {
  const facts = [
    ["Index", info.index],
    ["Model", `${info.model} (${info.model_hash})`],
    ["Budgets", (info.budgets || []).map((b) => `${b} tokens`).join(", ") || "none"],
    ["Videos", String(info.videos)],
    ["Clips", String(info.clips)],
    ["Segments", info.has_segments ? String(info.segments) : "none (index with --segment for moments)"],
  ];
  const dl = $("#index-facts");
  dl.replaceChildren();
  for (const [term, detail] of facts) {
    dl.append(Object.assign(document.createElement("dt"), { textContent: term }),
              Object.assign(document.createElement("dd"), { textContent: detail }));
  }
  const failures = info.failures || [];
  $("#failure-count").textContent = failures.length ? `(${failures.length})` : "(none)";
  const tbody = $("#failures tbody");
  const fragment = document.createDocumentFragment();
  for (const f of failures) {
    const tr = document.createElement("tr");
    for (const text of [f.path, f.stage, f.reason]) tr.append(Object.assign(document.createElement("td"), { textContent: text }));
    fragment.append(tr);
  }
  tbody.replaceChildren(fragment);
  $("#failures").hidden = failures.length === 0;
}

/// Server-sent events read with fetch (EventSource cannot send the Authorization header).
async function* serverEvents(url) {
  const response = await fetch(url, { headers: authHeaders("text/event-stream") });
  if (!response.ok) throw await errorFrom(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value: chunk, done } = await reader.read();
    if (done) return;
    buffer += chunk;
    let end;
    while ((end = buffer.search(/\r\n\r\n|\n\n|\r\r/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^(\r\n\r\n|\n\n|\r\r)/, "");
      let event = "message";
      const data = [];
      for (const line of block.split(/\r\n|\n|\r/)) {
        if (!line || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const name = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (name === "event") event = text;
        else if (name === "data") data.push(text);
      }
      if (data.length) yield { event, data: data.join("\n") };
    }
  }
}

$("#job-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const path = value("job-path");
  if (!path) return;
  const button = $("#job-start");
  const progress = $("#job-progress");
  const text = $("#job-text");
  button.disabled = true;
  $("#job-status").hidden = false;
  progress.removeAttribute("value"); // indeterminate until the first progress event
  text.textContent = "Starting…";
  hideError();
  let finished = false;
  try {
    const { job_id: id } = await api("/api/jobs", { method: "POST", body: { path } });
    for await (const message of serverEvents(`/api/jobs/${encodeURIComponent(id)}/events`)) {
      const data = JSON.parse(message.data);
      if (message.event === "progress") {
        progress.max = Math.max(1, data.total);
        progress.value = data.done;
        const eta = data.eta_s === null || data.eta_s === undefined ? "" : ` · about ${formatDuration(data.eta_s)} left`;
        text.textContent = `${data.done} of ${plural(data.total, "file")}${data.current ? ` · ${baseName(data.current)}` : ""}${eta}`;
      } else if (message.event === "done") {
        finished = true;
        progress.max = 1;
        progress.value = 1;
        text.textContent = `Done: indexed ${data.indexed}, skipped ${data.skipped} unchanged, ${data.failed} failed.`;
      } else if (message.event === "error") {
        finished = true;
        text.textContent = "Failed.";
        showError(data.message);
      }
    }
    if (!finished) text.textContent = "The server stopped reporting before the job finished; reload the index to see what was stored.";
  } catch (error) {
    text.textContent = "Failed.";
    showError(error.message);
  } finally {
    button.disabled = false;
    loadIndex().catch(() => {});
  }
});

// ---------------------------------------------------------------------------------------------
// Start

/// Runs what the address asks for: ?q=… (a search) or ?similar=ID&… (clips like ID). At start-up
/// (`initial`) it leaves alone a search the user began while the index was loading.
function startFromURL(initial = false) {
  if (initial && (currentView() || state.controller)) return;
  const params = new URLSearchParams(location.search);
  const similar = params.get("similar");
  if (similar && /^\d+$/.test(similar)) {
    params.delete("similar");
    const view = { kind: "similar", clip: { clip_id: Number(similar) }, params: params.toString(), apiURL: `/api/similar/${similar}?${params}` };
    // Label the view with the clip's file and span (only the id is in the address).
    api(`/api/clips/${similar}`).then((clip) => {
      Object.assign(view.clip, clip);
      if (currentView() === view) showContext(view);
    }).catch(() => {});
    runView(view, "replace");
  } else if (params.get("q")) {
    fillForm(params);
    const clean = searchParams();
    runView({ kind: "search", params: clean.toString(), apiURL: `/api/search?${clean}` }, "replace");
  } else {
    showEmpty("Describe what happens in the video you are looking for, then press Enter. Press / to come back here from anywhere.");
  }
}

async function start() {
  if (history.state && Number.isInteger(history.state.depth)) state.current = history.state.depth;
  try {
    await loadIndex(); // first, so that a ?tokens= in the address finds its option
  } catch (error) {
    showError(error.message);
    if (document.body.dataset.state === "idle") setState("error");
  }
  startFromURL(true);
}

start();
