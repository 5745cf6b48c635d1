// casegraph serve: the page. Every string from the case is put on the
// page with textContent (never parsed as markup), and the chart draws labels on a
// canvas, so hostile names stay text. Every request goes to this server
// only (the Content-Security-Policy forbids anything else).
"use strict";

const state = {
  summary: null,
  days: [],          // day strings over the case span, for the sliders
  window: { from: "", to: "" },
  pathA: null,
  pathB: null,
  selected: null,    // id of the node or edge shown in the detail panel
  leads: null,
  windowCalls: null, // call links with events in the window, by edge id, as the server counts them
};

const KIND_COLORS = {
  phone: "#3b7dd8", person: "#2a9d5c", handset: "#8a6d3b", location: "#777",
  incident: "#c0392b", account: "#d68910",
};
const KIND_SHAPES = {
  phone: "ellipse", person: "round-rectangle", handset: "diamond", location: "triangle",
  incident: "star", account: "hexagon",
};
const ROLE_COLORS = {
  boss: "#e00", leadership: "#e00", lieutenant: "#f80", operator: "#a0c", mule: "#0a8",
  broker: "#08c", member: "#555",
};
const LINK_KINDS = ["call", "handset", "registration", "incident", "cell"];

// ---------- small helpers ----------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return e;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

function status(text) {
  document.getElementById("status").textContent = text || "";
}

async function api(path, params, body) {
  const url = new URL("/api/" + path, window.location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const opts = { headers: {} };
  const token = new URLSearchParams(window.location.search).get("token");
  if (token) opts.headers["X-Casegraph-Token"] = token;
  if (body !== undefined) {
    opts.method = "POST";
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(url, opts);
  if (!res.ok) {
    let msg = res.status + "";
    try { msg = (await res.json()).error; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  const type = res.headers.get("Content-Type") || "";
  return type.includes("json") ? res.json() : res.blob();
}

function windowParams() {
  return { from: state.window.from, to: state.window.to };
}

function nodeName(n) {
  return n.label ? n.label + " (" + n.text + ")" : n.text;
}

// ---------- the chart ----------

let cy = null;

function initChart() {
  cy = cytoscape({
    container: document.getElementById("chart"),
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: {
        "label": "data(name)", "font-size": 9, "text-valign": "bottom", "text-margin-y": 2,
        "background-color": "data(color)", "shape": "data(shape)", "width": 22, "height": 22,
        "border-width": "data(border)", "border-color": "data(roleColor)",
      } },
      { selector: "node.service", style: { "background-opacity": 0.4 } },
      { selector: "node:parent", style: { "background-color": "#eef", "border-color": "#99c", "label": "data(name)", "text-valign": "top" } },
      { selector: "node:selected", style: { "overlay-color": "#fc0", "overlay-opacity": 0.35 } },
      { selector: "node.pinned", style: { "border-style": "double", "border-width": 4 } },
      { selector: "edge", style: {
        "width": "data(width)", "line-color": "data(color)", "curve-style": "bezier",
        "label": "data(name)", "font-size": 7, "color": "#555", "text-rotation": "autorotate",
      } },
      { selector: "edge:selected", style: { "line-color": "#fc0" } },
      { selector: "edge.path", style: { "line-color": "#e00", "width": 4 } },
      { selector: ".filtered", style: { "display": "none" } },
    ],
  });
  cy.on("tap", "node", (ev) => { if (!ev.target.isParent()) showNode(ev.target.id()); });
  cy.on("tap", "edge", (ev) => showEdge(ev.target));
}

function addNode(n) {
  const existing = cy.getElementById(n.id);
  const data = {
    id: n.id, name: nodeName(n), kind: n.kind, text: n.text, description: n.description || "",
    color: KIND_COLORS[n.kind] || "#999", shape: KIND_SHAPES[n.kind] || "ellipse",
    roleColor: ROLE_COLORS[n.role] || "#000", border: n.role ? 4 : 0, role: n.role || "", gang: n.gang || "",
  };
  if (existing.nonempty()) { existing.data(data); return existing; }
  const added = cy.add({ group: "nodes", data });
  if (n.service_number) added.addClass("service");
  return added;
}

function edgeId(l) {
  const [a, b] = [l.source, l.target].sort();
  return "e|" + l.kind + "|" + a + "|" + b;
}

function addEdge(l) {
  const id = edgeId(l);
  const existing = cy.getElementById(id);
  const events = (l.calls || 0) + (l.texts || 0);
  const name = l.kind === "call" ? events + "" : (l.detail || l.kind);
  const data = {
    id, source: l.source, target: l.target, kind: l.kind, name, fullName: name,
    first: l.first || "", last: l.last || "", strength: l.strength,
    width: Math.min(1 + Math.log2(1 + (l.strength || 1)), 8),
    color: l.kind === "call" ? "#7aa" : l.kind === "handset" ? "#a86" : l.kind === "incident" ? "#d66" : "#9b9",
  };
  if (existing.nonempty()) { existing.data(data); return existing; }
  return cy.add({ group: "edges", data });
}

function layout(fit) {
  if (!cy || cy.nodes().length === 0) return;
  cy.layout({ name: "cose", animate: false, randomize: false, fit: fit !== false, nodeRepulsion: 8000, idealEdgeLength: 80 }).run();
  if (state.window.from) refreshWindow(); else applyFilters();
}

// ---------- filters: link kinds and the time window ----------

function applyFilters() {
  const kinds = new Set(LINK_KINDS.filter((k) => document.getElementById("kind-" + k).checked));
  const { from, to } = state.window;
  cy.edges().forEach((e) => {
    let shown = kinds.has(e.data("kind"));
    let name = e.data("fullName");
    if (shown && from && e.data("kind") === "call" && state.windowCalls) {
      // Calls are counted in the window by the server.
      const l = state.windowCalls.get(e.id());
      shown = !!l;
      if (l) name = (l.calls + l.texts) + "";
    } else if (shown && from) {
      const first = e.data("first"), last = e.data("last");
      if (first && (last < from || first > to + " 23:59:59")) shown = false;
    }
    e.data("name", name);
    e.toggleClass("filtered", !shown);
  });
}

// Ask the server which call links of the chart have calls or texts in the
// window, and how many: one expansion per phone with call links on the chart.
let windowSeq = 0;
async function refreshWindow() {
  const seq = ++windowSeq;
  const { from, to } = state.window;
  document.body.setAttribute("data-window", "busy");
  if (!from) {
    state.windowCalls = null;
  } else {
    const sources = new Set();
    cy.edges("[kind = 'call']").forEach((e) => { sources.add(e.data("source")); });
    const calls = new Map();
    try {
      for (const id of sources) {
        const r = await api("expand", { id, kind: "call", from, to, limit: 2000 });
        if (seq !== windowSeq) return;
        for (const item of r.items) calls.set(edgeId(item.link), item.link);
      }
    } catch (e) { status(e.message); }
    if (seq !== windowSeq) return;
    state.windowCalls = calls;
  }
  applyFilters();
  document.body.setAttribute("data-window", from ? from + ".." + to : "all");
}

function dayIndexText(i) { return state.days[i] || ""; }

function initWindow() {
  const s = state.summary;
  if (!s.first || !s.last) return;
  const start = new Date(s.first.slice(0, 10) + "T00:00:00Z");
  const end = new Date(s.last.slice(0, 10) + "T00:00:00Z");
  for (let d = new Date(start); d <= end; d.setUTCDate(d.getUTCDate() + 1)) {
    state.days.push(d.toISOString().slice(0, 10));
  }
  const from = document.getElementById("from"), to = document.getElementById("to");
  from.max = to.max = String(state.days.length - 1);
  from.value = "0"; to.value = String(state.days.length - 1);
  const changed = () => {
    let a = +from.value, b = +to.value;
    if (a > b) { [a, b] = [b, a]; }
    const whole = a === 0 && b === state.days.length - 1;
    state.window = whole ? { from: "", to: "" } : { from: dayIndexText(a), to: dayIndexText(b) };
    showWindow();
    refreshWindow();
  };
  from.addEventListener("input", changed);
  to.addEventListener("input", changed);
  document.getElementById("window-clear").addEventListener("click", () => {
    from.value = "0"; to.value = String(state.days.length - 1); changed();
  });
  showWindow();
}

function showWindow() {
  const w = state.window;
  document.getElementById("window-text").textContent = w.from
    ? w.from + " to " + w.to + " (new expansions count only this window)"
    : "whole case: " + state.summary.first + " to " + state.summary.last;
}

// ---------- search ----------

let searchSeq = 0;

async function search(q) {
  const seq = ++searchSeq;
  const list = clear(document.getElementById("suggestions"));
  if (q.trim().length < 2) return;
  let r;
  try { r = await api("search", { q }); } catch (e) { list.appendChild(el("li", { class: "error" }, e.message)); return; }
  if (seq !== searchSeq) return;
  const group = (title, nodes) => {
    if (!nodes.length) return;
    list.appendChild(el("li", { class: "kind-header" }, title));
    for (const n of nodes) {
      list.appendChild(el("li", {}, el("button", {
        type: "button", "data-id": n.id,
        onclick: () => { putOnChart(n); },
      }, n.description + (n.label ? " — " + n.label : ""))));
    }
  };
  group("match", r.matches);
  group("starting with", r.starting_with);
  group("did you mean", r.suggestions);
  if (!r.matches.length && !r.starting_with.length && !r.suggestions.length) {
    list.appendChild(el("li", { class: "hint" }, r.message || "nothing found"));
  }
}

function putOnChart(n) {
  const node = addNode(n);
  layout(false);
  cy.center(node);
  node.select();
  showNode(n.id);
}

// ---------- node detail, expand, notes ----------

async function showNode(id) {
  state.selected = id;
  const panel = clear(document.getElementById("detail"));
  clear(document.getElementById("evidence"));
  let d;
  try { d = await api("node", { id }); } catch (e) { panel.appendChild(el("p", { class: "error" }, e.message)); return; }
  if (state.selected !== id) return;
  const n = d.node;
  panel.appendChild(el("h3", {}, n.description));
  if (n.gang || n.role) panel.appendChild(el("div", {}, "gang " + (n.gang || "–") + ", role " + (n.role || "–")));
  if (n.service_number) panel.appendChild(el("div", { class: "hint" }, "service number (left out of walks)"));
  const expand = el("div", { id: "expand-buttons" });
  for (const k of LINK_KINDS) {
    const count = d.links[k];
    if (!count) continue;
    expand.appendChild(el("button", { type: "button", "data-kind": k, onclick: () => expandNode(id, k, 0) }, "expand " + k + " (" + count + ")"));
  }
  if (Object.keys(d.links).length > 1) {
    expand.appendChild(el("button", { type: "button", "data-kind": "all", onclick: () => expandNode(id, "all", 0) }, "expand all"));
  }
  panel.appendChild(expand);
  panel.appendChild(el("div", { id: "expand-more" }));
  panel.appendChild(el("button", { type: "button", onclick: () => showTimeline(id) }, "timeline"));
  // Notes: label, note, lead status.
  const note = d.note || {};
  const label = el("input", { type: "text", id: "note-label", placeholder: "label (alias)" });
  label.value = note.label || "";
  const text = el("textarea", { id: "note-text", placeholder: "note" });
  text.value = note.note || "";
  const st = el("select", { id: "note-status" },
    el("option", { value: "new" }, "new"), el("option", { value: "confirmed" }, "confirmed"), el("option", { value: "dismissed" }, "dismissed"));
  st.value = note.status || "new";
  panel.appendChild(el("h3", {}, "Notes"));
  panel.appendChild(label);
  panel.appendChild(text);
  panel.appendChild(el("div", {}, "lead status ", st,
    el("button", { type: "button", id: "note-save", onclick: () => saveNote(id, { label: label.value, note: text.value, status: st.value }) }, "save")));
  if (note.analyst) panel.appendChild(el("div", { class: "hint" }, "last changed by " + note.analyst + " at " + note.updated));
  if (d.lead) {
    panel.appendChild(el("h3", {}, "Lead #" + d.lead.rank + " (score " + d.lead.score + ")"));
    for (const r of d.lead.reasons || []) panel.appendChild(el("div", { class: "reason" }, "• " + r));
    showRows("Lead evidence", d.lead.sources || []);
  } else {
    showRows("Source rows", rowsOf(d.sources), d.sources);
  }
}

function rowsOf(sources) {
  const out = [];
  for (const s of sources || []) for (const l of s.lines) out.push(s.file + ":" + l);
  return out;
}

function showRows(title, rows, sources) {
  const ev = clear(document.getElementById("evidence"));
  ev.appendChild(el("h3", {}, title));
  if (sources) {
    for (const s of sources) {
      ev.appendChild(el("div", { class: "hint" }, s.file + ": " + s.count + " rows" + (s.count > s.lines.length ? " (first " + s.lines.length + " listed)" : "")));
    }
  }
  const list = el("ul", { class: "rows", id: "evidence-rows" });
  for (const r of rows) list.appendChild(el("li", {}, r));
  if (!rows.length) list.appendChild(el("li", { class: "hint" }, "no source rows"));
  ev.appendChild(list);
}

async function expandNode(id, kind, offset) {
  status("expanding…");
  let r;
  try {
    r = await api("expand", Object.assign({ id, kind, offset, limit: 50 }, windowParams()));
  } catch (e) { status(e.message); return; }
  cy.batch(() => {
    for (const item of r.items) {
      addNode(item.node);
      addEdge(item.link);
    }
  });
  layout(false);
  status("");
  const more = clear(document.getElementById("expand-more") || el("div"));
  const shown = r.offset + r.items.length;
  more.appendChild(el("span", { class: "hint" }, shown + " of " + r.total + " " + (kind === "all" ? "links" : kind + " links") + ", heaviest first "));
  if (r.more) {
    more.appendChild(el("button", { type: "button", id: "expand-next", onclick: () => expandNode(id, kind, shown) }, "next " + Math.min(50, r.total - shown)));
  }
}

async function saveNote(id, fields) {
  try {
    await api("notes", {}, Object.assign({ entity: id }, fields));
    status("saved");
    const node = cy.getElementById(id);
    const detail = await api("node", { id });
    if (node.nonempty()) addNode(detail.node);
    if (state.leads) loadLeads();
  } catch (e) { status(e.message); }
}

// ---------- edges: evidence ----------

async function showEdge(edge) {
  state.selected = edge.id();
  const d = edge.data();
  const panel = clear(document.getElementById("detail"));
  panel.appendChild(el("h3", {}, d.kind + " link"));
  panel.appendChild(el("div", {}, d.source + " — " + d.target));
  let r;
  try {
    r = await api("evidence", Object.assign({ a: d.source, b: d.target, kind: d.kind }, windowParams()));
  } catch (e) {
    panel.appendChild(el("p", { class: "error" }, e.message));
    return;
  }
  const l = r.link;
  const t = el("table", {});
  const row = (k, v) => { if (v !== null && v !== undefined && v !== "") t.appendChild(el("tr", {}, el("th", {}, k), el("td", {}, String(v)))); };
  row("calls", l.calls); row("texts", l.texts); row("seconds", l.seconds);
  row("first", l.first); row("last", l.last); row("records", l.records); row("detail", l.detail);
  panel.appendChild(t);
  showRows("Source rows", r.rows, l.sources);
}

// ---------- timeline ----------

async function showTimeline(id) {
  const box = clear(document.getElementById("timeline"));
  let r;
  try { r = await api("timeline", Object.assign({ id, limit: 300 }, windowParams())); } catch (e) { box.appendChild(el("p", { class: "error" }, e.message)); return; }
  box.appendChild(el("h3", {}, "Timeline of " + r.entity + " (" + r.total + " entries)"));
  const max = Math.max(1, ...r.by_hour);
  const bars = el("div", { class: "bars", title: "calls and texts by hour of day" });
  r.by_hour.forEach((c, h) => {
    const b = el("div", { title: h + ":00 — " + c });
    b.style.height = Math.round((c / max) * 100) + "%";
    bars.appendChild(b);
  });
  box.appendChild(bars);
  box.appendChild(el("div", { class: "hint" }, "by hour of day, 0–23"));
  if (r.places.length) {
    box.appendChild(places(r.places));
    box.appendChild(el("div", { class: "hint" }, "positions over time (cells with coordinates; longitude across, latitude up; darker is later)"));
  }
  const t = el("table", {}, el("tr", {}, el("th", {}, "time"), el("th", {}, "what"), el("th", {}, "other"), el("th", {}, "s"), el("th", {}, "source")));
  for (const e of r.entries) {
    t.appendChild(el("tr", {}, el("td", {}, e.time || ""), el("td", {}, e.what), el("td", {}, (e.other || e.handset || e.incident || "").replace(/^[a-z]+:/, "")), el("td", {}, String(e.duration_s || "")), el("td", {}, e.source)));
  }
  box.appendChild(el("div", { class: "rows" }, t));
}

// Positions on a plain coordinate plane: one dot per cell visit, joined
// in time order, shaded from light (early) to dark (late).
function places(list) {
  const canvas = el("canvas", { id: "places", width: "360", height: "220" });
  const ctx = canvas.getContext("2d");
  const lons = list.map((p) => p.lon), lats = list.map((p) => p.lat);
  const [x0, x1] = [Math.min(...lons), Math.max(...lons)];
  const [y0, y1] = [Math.min(...lats), Math.max(...lats)];
  const pad = 12, w = 360 - 2 * pad, h = 220 - 2 * pad;
  const sx = (v) => pad + (x1 > x0 ? (v - x0) / (x1 - x0) : 0.5) * w;
  const sy = (v) => pad + (y1 > y0 ? 1 - (v - y0) / (y1 - y0) : 0.5) * h;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, 360, 220);
  ctx.strokeStyle = "rgba(80,80,80,0.3)";
  ctx.beginPath();
  list.forEach((p, i) => { if (i) ctx.lineTo(sx(p.lon), sy(p.lat)); else ctx.moveTo(sx(p.lon), sy(p.lat)); });
  ctx.stroke();
  list.forEach((p, i) => {
    const shade = Math.round(200 - (180 * i) / Math.max(1, list.length - 1));
    ctx.fillStyle = "rgb(" + shade + "," + shade + ",255)";
    ctx.beginPath();
    ctx.arc(sx(p.lon), sy(p.lat), 3, 0, 2 * Math.PI);
    ctx.fill();
  });
  return canvas;
}

// ---------- paths ----------

function selectedNodeId() {
  const s = cy.nodes(":selected").filter((n) => !n.isParent());
  return s.length ? s[0].id() : (state.selected && !state.selected.startsWith("e|") ? state.selected : null);
}

async function findPaths() {
  const box = clear(document.getElementById("path-result"));
  if (!state.pathA || !state.pathB) { box.appendChild(el("div", { class: "error" }, "choose A and B first")); return; }
  let r;
  try {
    r = await api("path", Object.assign({ a: state.pathA, b: state.pathB, k: document.getElementById("path-k").value }, windowParams()));
  } catch (e) { box.appendChild(el("div", { class: "error" }, e.message)); return; }
  cy.edges().removeClass("path");
  if (!r.paths.length) { box.appendChild(el("div", {}, "no path within 6 links")); return; }
  cy.batch(() => {
    for (const p of r.paths) {
      for (const n of p.nodes) addNode(n);
      for (const l of p.links) addEdge(l).addClass("path");
    }
  });
  layout();
  r.paths.forEach((p, i) => {
    box.appendChild(el("div", { class: "path-line" }, (i + 1) + ". " + p.nodes.map((n) => n.text).join(" → ")));
  });
}

// ---------- leads ----------

async function loadLeads() {
  const box = clear(document.getElementById("leads-panel"));
  if (!state.summary.leads) return;
  let r;
  try { r = await api("leads"); } catch (e) { box.appendChild(el("p", { class: "error" }, e.message)); return; }
  state.leads = r;
  box.appendChild(el("h3", {}, "Gangs"));
  for (const g of r.gangs) {
    box.appendChild(el("div", { class: "gang" },
      el("button", { type: "button", "data-gang": g.gang_id, onclick: () => drawGang(g) }, "draw " + g.gang_id),
      " " + g.members.length + " phones, cohesion " + (g.cohesion || 0).toFixed(2)));
  }
  const active = r.leads.filter((l) => l.status !== "dismissed");
  const dismissed = r.leads.filter((l) => l.status === "dismissed");
  box.appendChild(el("h3", {}, "Leads (" + active.length + ")"));
  const list = el("ul", { id: "lead-list" });
  for (const l of active.slice(0, 100)) list.appendChild(leadItem(l));
  box.appendChild(list);
  box.appendChild(el("h3", {}, "Dismissed (" + dismissed.length + ")"));
  const dl = el("ul", { id: "dismissed-list" });
  for (const l of dismissed) dl.appendChild(leadItem(l));
  box.appendChild(dl);
}

function leadItem(l) {
  const st = el("select", { "data-lead": l.id },
    el("option", { value: "new" }, "new"), el("option", { value: "confirmed" }, "confirmed"), el("option", { value: "dismissed" }, "dismissed"));
  st.value = l.status;
  st.addEventListener("change", () => saveNote(l.id, { status: st.value }));
  return el("li", { class: "lead-" + l.status },
    st, " ",
    el("button", { type: "button", onclick: () => openLead(l) }, "#" + l.rank + " " + l.entity),
    " " + (l.role || "") + (l.gang ? " " + l.gang : "") + " " + l.score);
}

async function openLead(l) {
  try {
    const d = await api("node", { id: l.id });
    putOnChart(d.node);
  } catch (e) { status(e.message); }
}

async function drawGang(g) {
  status("drawing " + g.gang_id + "…");
  document.body.removeAttribute("data-gang");
  // The members, the calls among them, and the handsets, person records,
  // incidents and accounts that two or more of them share: the ties the
  // gang was found by.
  const ids = new Set(g.members.map((m) => m.id));
  const shared = new Map(); // non-phone node id -> {node, links}
  try {
    for (const m of g.members) {
      const d = await api("node", { id: m.id });
      addNode(d.node);
    }
    for (const m of g.members) {
      const r = await api("expand", { id: m.id, kind: "all", limit: 2000 });
      for (const item of r.items) {
        if (ids.has(item.node.id)) {
          addEdge(item.link);
        } else if (item.node.kind !== "phone") {
          const s = shared.get(item.node.id) || { node: item.node, links: [] };
          s.links.push(item.link);
          shared.set(item.node.id, s);
        }
      }
    }
  } catch (e) { status(e.message); return; }
  cy.batch(() => {
    for (const s of shared.values()) {
      if (s.links.length < 2) continue;
      addNode(s.node);
      for (const l of s.links) addEdge(l);
    }
  });
  layout();
  status("");
  document.body.setAttribute("data-gang", g.gang_id);
}

// ---------- chart tools ----------

function initTools() {
  const kinds = document.getElementById("kinds");
  for (const k of LINK_KINDS) {
    const box = el("input", { type: "checkbox", id: "kind-" + k });
    box.checked = true;
    box.addEventListener("change", applyFilters);
    kinds.appendChild(el("label", {}, box, " " + k + " "));
  }
  document.getElementById("search").addEventListener("input", (ev) => search(ev.target.value));
  document.getElementById("set-a").addEventListener("click", () => {
    state.pathA = selectedNodeId(); document.getElementById("path-a").textContent = state.pathA || "–";
  });
  document.getElementById("set-b").addEventListener("click", () => {
    state.pathB = selectedNodeId(); document.getElementById("path-b").textContent = state.pathB || "–";
  });
  document.getElementById("find-path").addEventListener("click", findPaths);
  document.getElementById("hide").addEventListener("click", () => cy.elements(":selected").remove());
  document.getElementById("pin").addEventListener("click", () => {
    cy.nodes(":selected").forEach((n) => {
      if (n.locked()) { n.unlock(); n.removeClass("pinned"); } else { n.lock(); n.addClass("pinned"); }
    });
  });
  document.getElementById("group").addEventListener("click", () => {
    const name = document.getElementById("group-name").value || "group";
    const gid = "group|" + Date.now();
    cy.add({ group: "nodes", data: { id: gid, name } });
    cy.nodes(":selected").filter((n) => !n.isParent()).move({ parent: gid });
    layout(false);
  });
  document.getElementById("layout").addEventListener("click", () => layout());
  document.getElementById("clear").addEventListener("click", () => cy.elements().remove());
  document.getElementById("export-graphml").addEventListener("click", async () => {
    const nodes = cy.nodes().filter((n) => !n.isParent() && !n.hasClass("filtered")).map((n) => n.id());
    if (!nodes.length) { status("nothing on the chart"); return; }
    try { download(await api("export", {}, { nodes }), "chart.graphml"); } catch (e) { status(e.message); }
  });
  document.getElementById("export-png").addEventListener("click", () => {
    download(cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" }), "chart.png");
  });
  document.getElementById("export-svg").addEventListener("click", () => {
    const svg = chartSvg();
    if (!svg) { status("nothing on the chart"); return; }
    download(new Blob([svg], { type: "image/svg+xml" }), "chart.svg");
  });
}

// ---------- SVG export ----------
// The chart as drawn, written by hand: every visible node at its position
// with its kind's shape and colour and its role's border, every visible
// link with its weight or kind, groups as boxes; a node's description
// (what the detail panel heads with) is its <title>, shown on hover. Hidden nodes are gone
// from the chart and filtered links are not visible, so neither is
// written. Every string from the case goes through xmlText, so a hostile
// name stays text in the file too.

// Characters XML 1.0 cannot hold at all (controls, lone surrogates,
// U+FFFE/U+FFFF) become U+FFFD; the five markup characters are escaped.
function xmlText(s) {
  return String(s)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;" })[c]);
}

function num(v) {
  return String(Math.round(v * 100) / 100);
}

function attrs(o) {
  return Object.entries(o)
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => " " + k + "=\"" + xmlText(v) + "\"")
    .join("");
}

// The outline of a node's shape centred on (x, y), as an SVG element.
function svgShape(shape, x, y, w, h, paint) {
  const poly = (pts) => "<polygon" + attrs(Object.assign({ points: pts.map(([px, py]) => num(x + px * w / 2) + "," + num(y + py * h / 2)).join(" ") }, paint)) + "/>";
  switch (shape) {
    case "round-rectangle":
      return "<rect" + attrs(Object.assign({ x: num(x - w / 2), y: num(y - h / 2), width: num(w), height: num(h), rx: num(Math.min(w, h) / 4) }, paint)) + "/>";
    case "diamond":
      return poly([[0, -1], [1, 0], [0, 1], [-1, 0]]);
    case "triangle":
      return poly([[0, -1], [1, 1], [-1, 1]]);
    case "hexagon":
      return poly([[-1, 0], [-0.5, -1], [0.5, -1], [1, 0], [0.5, 1], [-0.5, 1]]);
    case "star": {
      const pts = [];
      for (let i = 0; i < 10; i++) {
        const r = i % 2 ? 0.4 : 1, a = -Math.PI / 2 + (i * Math.PI) / 5;
        pts.push([r * Math.cos(a), r * Math.sin(a)]);
      }
      return poly(pts);
    }
    default:
      return "<ellipse" + attrs(Object.assign({ cx: num(x), cy: num(y), rx: num(w / 2), ry: num(h / 2) }, paint)) + "/>";
  }
}

// The path of a link as cytoscape draws it: straight, or through its
// bezier control points (a quadratic curve per point, joined at midpoints).
function svgEdgePath(e) {
  const s = e.sourceEndpoint(), t = e.targetEndpoint();
  const cps = (e.controlPoints && e.controlPoints()) || [];
  let d = "M" + num(s.x) + "," + num(s.y);
  cps.forEach((cp, i) => {
    const to = i === cps.length - 1 ? t : { x: (cp.x + cps[i + 1].x) / 2, y: (cp.y + cps[i + 1].y) / 2 };
    d += " Q" + num(cp.x) + "," + num(cp.y) + " " + num(to.x) + "," + num(to.y);
  });
  if (!cps.length) d += " L" + num(t.x) + "," + num(t.y);
  return d;
}

// The chart as an SVG document (a string), or null when nothing is drawn.
function chartSvg() {
  const nodes = cy.nodes().filter((n) => n.visible());
  if (!nodes.length) return null;
  const edges = cy.edges().filter((e) => e.visible() && e.source().visible() && e.target().visible());
  const bb = nodes.union(edges).boundingBox({ includeLabels: true });
  const pad = 20;
  const x0 = bb.x1 - pad, y0 = bb.y1 - pad, w = bb.w + 2 * pad, h = bb.h + 2 * pad;
  const out = [];
  out.push("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  out.push("<svg xmlns=\"http://www.w3.org/2000/svg\"" + attrs({
    width: num(w), height: num(h), viewBox: [x0, y0, w, h].map(num).join(" "),
    "font-family": "sans-serif",
  }) + ">");
  out.push("<title>" + xmlText("casegraph chart: " + (state.summary ? state.summary.case : "")) + "</title>");
  out.push("<desc>" + xmlText(nodes.filter((n) => !n.isParent()).length + " nodes, " + edges.length + " links" +
    (state.window.from ? ", calls counted " + state.window.from + " to " + state.window.to : ", whole case")) + "</desc>");
  out.push("<rect" + attrs({ x: num(x0), y: num(y0), width: num(w), height: num(h), fill: "#ffffff" }) + "/>");
  // Groups first, under everything.
  nodes.filter((n) => n.isParent()).forEach((g) => {
    const b = g.boundingBox({ includeLabels: false });
    out.push("<g" + attrs({ class: "group", "data-id": g.id() }) + ">" +
      "<rect" + attrs({ x: num(b.x1), y: num(b.y1), width: num(b.w), height: num(b.h), fill: "#eeeeff", stroke: "#9999cc" }) + "/>" +
      "<text" + attrs({ x: num(b.x1 + b.w / 2), y: num(b.y1 - 3), "font-size": 9, "text-anchor": "middle" }) + ">" + xmlText(g.data("name") || "") + "</text></g>");
  });
  edges.forEach((e) => {
    const d = e.data();
    const onPath = e.hasClass("path");
    const mid = e.midpoint();
    out.push("<g" + attrs({ class: "edge", "data-id": e.id(), "data-kind": d.kind }) + ">" +
      "<path" + attrs({ d: svgEdgePath(e), fill: "none", stroke: onPath ? "#ee0000" : d.color, "stroke-width": num(onPath ? 4 : d.width) }) + "/>" +
      (d.name ? "<text" + attrs({ x: num(mid.x), y: num(mid.y - 2), "font-size": 7, fill: "#555555", "text-anchor": "middle" }) + ">" + xmlText(d.name) + "</text>" : "") +
      "</g>");
  });
  nodes.filter((n) => !n.isParent()).forEach((n) => {
    const d = n.data(), p = n.position();
    const paint = { fill: d.color, "fill-opacity": n.hasClass("service") ? 0.4 : undefined };
    if (d.border) Object.assign(paint, { stroke: d.roleColor, "stroke-width": d.border });
    if (n.hasClass("pinned")) Object.assign(paint, { stroke: d.roleColor || "#000000", "stroke-width": 4, "stroke-dasharray": "2 1" });
    out.push("<g" + attrs({ class: "node", "data-id": d.id, "data-kind": d.kind, "data-role": d.role, "data-gang": d.gang }) + ">" +
      (d.description ? "<title>" + xmlText(d.description) + "</title>" : "") +
      svgShape(d.shape, p.x, p.y, n.width(), n.height(), paint) +
      "<text" + attrs({ x: num(p.x), y: num(p.y + n.height() / 2 + 11), "font-size": 9, "text-anchor": "middle" }) + ">" + xmlText(d.name) + "</text>" +
      "</g>");
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---------- start ----------

async function start() {
  try {
    state.summary = await api("case");
  } catch (e) {
    status(e.message);
    return;
  }
  const s = state.summary;
  document.getElementById("case-name").textContent = s.case;
  document.getElementById("case-counts").textContent =
    s.nodes.phone + " phones, " + s.nodes.person + " person records, " + s.events + " calls and texts, " + (s.first || "") + " – " + (s.last || "");
  initChart();
  initTools();
  initWindow();
  await loadLeads();
  document.body.setAttribute("data-ready", "yes");
}

window.addEventListener("error", (e) => {
  document.body.setAttribute("data-script-error", String(e.message));
});
document.addEventListener("DOMContentLoaded", start);
