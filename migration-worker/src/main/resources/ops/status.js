// The status page: fetches /api/status every 2 seconds and redraws both tables. Plain DOM, no libraries; every
// value goes in as text (error messages come from outside services and must never be read as HTML).
"use strict";

const REFRESH_MS = 2000;

// A node with an ops HTTP token (http.tokenEnv / http.tokenFile) answers /api/status only with it. It is given once
// in the address's fragment (/#token=...), which the browser never sends, and kept for this tab only.
(function keepToken() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem("opsHttpToken", decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname);
  }
})();

function authorization() {
  const token = sessionStorage.getItem("opsHttpToken");
  return token ? { "Authorization": "Bearer " + token } : {};
}

function text(tag, value, className) {
  const el = document.createElement(tag);
  el.textContent = value === null || value === undefined ? "" : String(value);
  if (className) el.className = className;
  return el;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  let s = Math.max(0, Math.round(seconds));
  if (s >= 86400) return Math.floor(s / 86400) + " d " + Math.floor((s % 86400) / 3600) + " h";
  if (s >= 3600) return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  if (s >= 60) return Math.floor(s / 60) + " min";
  return s + " s";
}

function when(iso) {
  return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z").replace("Z", " UTC") : "never";
}

function number(n) {
  return n === null || n === undefined ? "" : Number(n).toLocaleString("en");
}

function tenantRow(t) {
  const tr = document.createElement("tr");
  tr.dataset.tenant = t.key;
  tr.append(
    text("td", t.key === "" ? "(default)" : t.key),
    text("td", number(t.callsLastMinute) + " of " + number(t.callsPerMinute), "number"),
    text("td", number(t.callsLastHour) + (t.callsPerHour ? " of " + number(t.callsPerHour) : ""), "number"),
    text("td", t.breaker, "breaker-" + t.breaker),
    text("td", t.paused ? "until " + when(t.pausedUntil) : "no"));
  return tr;
}

function backfillCell(b) {
  const td = document.createElement("td");
  if (!b) return td;
  const bar = document.createElement("div");
  bar.className = "bar";
  bar.title = "from " + when(b.from) + " to " + when(b.to);
  const fill = document.createElement("div");
  fill.style.width = Math.round(b.done * 100) + "%";
  bar.append(fill);
  td.append(bar, text("span", Math.round(b.done * 1000) / 10 + "%"
    + (b.etaSeconds !== null && b.etaSeconds !== undefined ? ", about " + duration(b.etaSeconds) + " left"
      : ", time left not known yet")));
  return td;
}

function tableRow(t) {
  const tr = document.createElement("tr");
  tr.dataset.table = (t.tenantKey || "") + "|" + t.sourceTable;
  const error = t.lastError || t.atRisk;
  tr.append(
    text("td", t.tenantKey === "" ? "(default)" : t.tenantKey),
    text("td", t.sourceTable, "table-name"),
    text("td", t.state + (t.kind === "snapshot" ? " (snapshot)" : ""), "state-" + t.state),
    text("td", when(t.watermark), "watermark"),
    text("td", duration(t.lagSeconds), t.atRisk ? "number risk" : "number"),
    text("td", number(t.rowsLastCycle), "number rows-last"),
    text("td", number(t.rowsTotal), "number rows-total"),
    backfillCell(t.backfill),
    text("td", t.node),
    text("td", error, "error"));
  return tr;
}

function replaceRows(tableId, rows) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren(...rows);
}

async function refresh() {
  const problem = document.getElementById("problem");
  try {
    const response = await fetch("/api/status", { cache: "no-store", headers: authorization() });
    if (response.status === 401) {
      throw new Error("this node needs its ops HTTP token: open the page as /#token=<token>");
    }
    const doc = await response.json();
    if (!response.ok) throw new Error(doc.error || ("HTTP " + response.status));
    replaceRows("tenants", doc.tenants.map(tenantRow));
    replaceRows("tables", doc.tables.map(tableRow));
    const running = doc.tables.filter(t => t.state === "running").length;
    const risky = doc.tables.filter(t => t.atRisk).length;
    document.getElementById("summary").textContent = doc.tables.length + " tables, " + running + " running"
      + (risky ? ", " + risky + " about to lose rows at the source" : "")
      + ". Clock " + when(doc.clock) + "; answered by " + doc.node + " at " + when(doc.generatedAt) + ".";
    problem.hidden = true;
  } catch (e) {
    problem.textContent = "The status could not be read: " + e.message + " (retrying)";
    problem.hidden = false;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
