// The dashboard's script, served at /dashboard.js (see dashboard.html): one file, which reads
// the JSON endpoints of the server that served it (paths without a host) and draws the page's
// numbers and charts into its elements. It depends on nothing else; the page's URL holds the
// date range and referrer (location.search), and the form makes a new URL of them.
//
// The same script draws `xcc report`'s page (src/report/), which carries its data instead:
// a script element of type application/json with the id xcc-data, before this script, holds the
// endpoints' answers under the keys of ENDPOINTS, and the filter they were computed with
// under "filter". When that block is there, nothing is fetched (see loadAll).
"use strict";

// The SVG namespace is an identifier, not an address: nothing is fetched from it.
const SVG_NS = "http://www.w3.org/2000/svg";
// [key, path, whether it takes the page's from, to and referrer]
const ENDPOINTS = [
  ["orders", "/metrics/orders", true],
  ["detail", "/metrics/orders/detail", true],
  ["summary", "/metrics/summary", false],
  ["daily", "/metrics/daily", true],
  ["distributions", "/metrics/distributions", true],
  ["referrers", "/metrics/referrers", true],
  ["history", "/metrics/history", false],
  ["sensitivity", "/metrics/sensitivity", false],
  // The hosts of the referrer menu: every host, whatever the range (a report has no menu).
  ["hosts", "/metrics/referrers", false],
];
const FILTER_KEYS = ["from", "to", "referrer"];
const TOP_REFERRERS = 12;
/** What a p-value must be under for the page to call a difference one. */
const ALPHA = 0.05;
const INTERVAL_LEGEND = "95% confidence interval of the median";
const COUNT = new Intl.NumberFormat("en-US");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// ---------------------------------------------------------------- formatting

function count(n) {
  return n === null || n === undefined ? "–" : COUNT.format(n);
}

function decimal(x) {
  // 2 → "2", 1.5 → "1.5", 47.25 → "47.3"
  return String(Math.round(x * 10) / 10);
}

function percent(share) {
  if (share === null || share === undefined || !isFinite(share)) return "–";
  return (share * 100).toFixed(1) + "%";
}

/** A p-value as a reader meets it: "p < 0.001", else two significant digits, rounded down, so
 *  that a value just under 0.05 (which the page calls a difference) never reads 0.050. */
function pValue(p) {
  if (p < 0.001) return "p < 0.001";
  const places = 1 - Math.floor(Math.log10(p));
  const scale = Math.pow(10, places);
  // The factor keeps 0.29 · 100 = 28.999… from rounding down to 0.28.
  return "p = " + (Math.floor(p * scale * (1 + 1e-12)) / scale).toFixed(places);
}

/** Minutes as an analyst reads them: "24 s", "47.5 min", "2 h 5 min". */
function duration(minutes) {
  if (minutes === 0) return "0 min";
  if (minutes < 1) return Math.round(minutes * 60) + " s";
  if (minutes < 60) return decimal(minutes) + " min";
  let h = Math.floor(minutes / 60);
  let m = Math.round(minutes - h * 60);
  if (m === 60) { h += 1; m = 0; }
  return m === 0 ? h + " h" : h + " h " + m + " min";
}

/** Axis ticks in minutes: "0", "30 min", "1 h", "1.5 h". */
function durationTick(minutes) {
  if (minutes === 0) return "0";
  if (minutes < 1) return Math.round(minutes * 60) + " s";
  if (minutes < 60 || minutes % 30 !== 0) return decimal(minutes) + " min";
  return decimal(minutes / 60) + " h";
}

/** "2022-05-14T12:53:33.648681Z" → "14 May 2022 12:53 UTC" (the file stores UTC): the one
 *  form of a time on the page, as xcc report's header writes it too (format/calendar.rs). */
function dateTime(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(text || "");
  if (!m) return text === null || text === undefined ? "–" : String(text);
  return Number(m[3]) + " " + MONTHS[Number(m[2]) - 1] + " " + m[1] + " " + m[4] + ":" + m[5] + " UTC";
}

/** "2022-04-20" → "20 Apr", with the year when asked. */
function dayLabel(day, withYear) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  return Number(m[3]) + " " + MONTHS[Number(m[2]) - 1] + (withYear ? " " + m[1] : "");
}

function clip(text, max) {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

// ---------------------------------------------------------------- DOM helpers

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function add(parent, tag, attrs, text) {
  const e = svgEl(tag, attrs, text);
  parent.appendChild(e);
  return e;
}

/** A hover tooltip: SVG <title> as the first child. */
function tip(element, text) {
  element.insertBefore(svgEl("title", {}, text), element.firstChild);
  return element;
}

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

/** A headline number: the raw JSON value in data-value, a readable form as text. */
function setMetric(key, value, shown) {
  for (const e of document.querySelectorAll('[data-metric="' + key + '"]')) {
    e.dataset.value = String(value);
    e.textContent = shown;
    // The JSON's name of the value, for whoever reads the endpoints; a report has none.
    if (!EMBEDDED) e.title = key + " = " + String(value);
  }
}

function newSvg(container, height) {
  container.replaceChildren();
  const width = Math.max(320, Math.round(container.clientWidth || 600));
  const svg = svgEl("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img" });
  container.appendChild(svg);
  return { svg, width, height };
}

function emptyPlot(container, message) {
  const p = document.createElement("p");
  p.className = "empty";
  p.textContent = message;
  container.replaceChildren(p);
}

/** Round steps (1, 2, 5 × 10^k, or the given steps) from 0 to at least max; counts step by 1 at least. */
function niceTicks(max, wanted, steps, counts) {
  if (!(max > 0)) max = 1;
  const raw = max / wanted;
  let step;
  if (steps) {
    step = steps.find((s) => s >= raw) || steps[steps.length - 1] * Math.ceil(raw / steps[steps.length - 1]);
  } else {
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / p;
    step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }
  if (counts) step = Math.max(1, step);
  const ticks = [];
  for (let t = 0; t <= max + step * 1e-9 || ticks.length < 2; t += step) ticks.push(Math.round(t * 1e9) / 1e9);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

function legend(svg, x, y, items) {
  // items: [[label, color, kind]], drawn right to left from x so it ends at the right edge
  let right = x;
  for (const [label, color, kind] of items.slice().reverse()) {
    const t = add(svg, "text", { x: right, y: y + 4, "text-anchor": "end", class: "small" }, label);
    const w = t.getComputedTextLength ? t.getComputedTextLength() : label.length * 6;
    const sx = right - w - 18;
    if (kind === "tick") add(svg, "rect", { x: sx + 5, y: y - 6, width: 2.5, height: 14, fill: color });
    else if (kind === "interval") whisker(svg, sx, sx + 12, y);
    else add(svg, "rect", { x: sx, y: y - 5, width: 12, height: 10, rx: 2, fill: color });
    right = sx - 14;
  }
}

/** A 250 px chart with margins `m` and a y axis of whole counts up to at least `max`:
 *  gridlines, tick labels, and the scale `y` from a count to a pixel row. */
function countFrame(container, m, max) {
  const { svg, width, height } = newSvg(container, 250);
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const ticks = niceTicks(max, 4, null, true);
  const top = ticks[ticks.length - 1];
  const y = (v) => m.top + h - (v / top) * h;
  for (const t of ticks) {
    add(svg, "line", { x1: m.left, x2: width - m.right, y1: y(t), y2: y(t), class: t === 0 ? "baseline" : "gridline" });
    add(svg, "text", { x: m.left - 6, y: y(t) + 4, "text-anchor": "end", class: "tick" }, count(t));
  }
  return { svg, width, height, w, h, y };
}

/** A vertical bar chart with a y axis, shared by the two distributions. */
function barChart(container, bars, opts) {
  const m = { left: 58, right: 12, top: 22, bottom: 46 };
  const { svg, width, height, w, h, y } = countFrame(container, m, Math.max(0, ...bars.map((b) => b.value)));
  const total = bars.reduce((s, b) => s + b.value, 0);
  const band = w / bars.length;
  const bw = Math.min(56, band * 0.72);
  bars.forEach((b, i) => {
    const cx = m.left + band * i + band / 2;
    const r = add(svg, "rect", {
      x: cx - bw / 2, y: y(b.value), width: bw, height: Math.max(0, y(0) - y(b.value)),
      fill: "var(--main)", rx: 2,
    });
    const share = total > 0 ? b.value / total : 0;
    tip(r, b.label + " " + opts.unitX + ": " + count(b.value) + " " + opts.unitY + " (" + percent(share) + ")");
    if (b.value > 0) {
      add(svg, "text", { x: cx, y: y(b.value) - 5, "text-anchor": "middle", class: "bar-label" }, count(b.value));
    }
  });
  // Every bar's label where they all fit, else every second, third, …: the widest decides
  // (at about 900 px, "110" and "120+" would touch).
  const labels = bars.map((b, i) =>
    add(svg, "text", { x: m.left + band * i + band / 2, y: y(0) + 15, "text-anchor": "middle", class: "tick" }, b.label));
  const widest = Math.max(0, ...labels.map((t) => t.getBBox().width));
  const every = Math.max(1, Math.ceil((widest + 6) / band));
  labels.forEach((t, i) => {
    if (i % every !== 0) t.remove();
  });
  add(svg, "text", { x: m.left + w / 2, y: height - 8, "text-anchor": "middle", class: "axis-title" }, opts.xTitle);
  add(svg, "text", {
    transform: "rotate(-90)", x: -(m.top + h / 2), y: 13, "text-anchor": "middle", class: "axis-title",
  }, opts.yTitle);
}

// ---------------------------------------------------------------- the parts of the page

function renderOrders(orders) {
  const visits = orders.median_visits_before_order;
  const minutes = orders.median_session_duration_minutes_before_order;
  for (const [key, value, shown, unit] of [
    ["median_visits_before_order", visits, visits === null ? null : decimal(visits), visits === 1 ? "visit" : "visits"],
    ["median_session_duration_minutes_before_order", minutes, minutes === null ? null : duration(minutes), ""],
  ]) {
    const e = document.querySelector('[data-metric="' + key + '"]');
    e.dataset.value = String(value);
    if (!EMBEDDED) e.title = key + " = " + String(value);
    e.classList.toggle("none", value === null);
    if (value === null) {
      e.textContent = pageFilter().toString() ? "no orders in this range" : "no orders yet";
      continue;
    }
    e.textContent = shown;
    if (unit) {
      const u = document.createElement("span");
      u.className = "unit";
      u.textContent = unit;
      e.appendChild(u);
    }
  }
}

function renderSummary(s) {
  setMetric("sessions", s.sessions, count(s.sessions));
  setMetric("customers", s.customers, count(s.customers));
  setMetric("ordering_sessions", s.ordering_sessions, count(s.ordering_sessions));
  setMetric("events_stored", s.events_stored, count(s.events_stored));
  setMetric("events_rejected", s.events_rejected, count(s.events_rejected));
  setMetric("first_event_at", s.first_event_at, dateTime(s.first_event_at));
  setMetric("last_event_at", s.last_event_at, dateTime(s.last_event_at));
  const timeout = s.session_timeout_seconds;
  const timeoutText = timeout === null || timeout === undefined ? "–" : duration(timeout / 60);
  setMetric("session_timeout_seconds", timeout, timeoutText);
  document.querySelector('[data-metric="events_rejected"]').classList.toggle("warn", s.events_rejected > 0);
  setText("ordering-share", s.sessions > 0 ? percent(s.ordering_sessions / s.sessions) + " of sessions" : "\u00a0");
  const loads = count(s.ingests) + (s.ingests === 1 ? " load" : " loads");
  // A shared file (xcc share) counts the lines its working file read: it holds no rejected
  // line and no event, or the logged-in customers' only.
  const shared = typeof s.shared_at === "string";
  const loggedIn = shared && /^logged-in/.test(s.shared_events || "");
  setText("ingests-hint", shared
    ? "read in " + loads + " by the working file; this copy holds " + (loggedIn ? "logged-in customers' only" : "none")
    : "read in " + loads);
  setText("rejected-hint", shared
    ? "counted by reason; the lines are not in this copy"
    : "lines that were not valid events, kept aside");
  setText("subtitle", s.first_event_at
    ? "How many visits and how much time customers need before they order. A session (one visit) ends after " +
      timeoutText + " without events; all times are UTC."
    : EMBEDDED ? "The file holds no events yet." : "The database holds no events yet: load some with `xcc ingest`.");
}

/** How many values each headline median is taken over (the n of /metrics/orders/detail), and
 *  their spread: the percentiles, the mean and the largest. */
function renderBasis(detail) {
  const orders = detail.visits_before_order ? detail.visits_before_order.n : 0;
  const customers = detail.minutes_before_first_order ? detail.minutes_before_first_order.n : 0;
  setText("visits-basis", orders > 0 ? "over " + count(orders) + (orders === 1 ? " ordering session" : " ordering sessions") : "\u00a0");
  setText("minutes-basis", customers > 0 ? "over " + count(customers) + (customers === 1 ? " customer who ordered" : " customers who ordered") : "\u00a0");
  setText("visits-spread", spread(detail.visits_before_order, decimal,
    ["the orders", "took", (v) => (v === 1 ? " visit" : " visits")]));
  setText("minutes-spread", spread(detail.minutes_before_first_order, duration,
    ["these customers", "spent", () => ""]));
  showInterval("visits-interval", detail.visits_before_order, decimal, (v) => (v === 1 ? " visit" : " visits"));
  showInterval("minutes-interval", detail.minutes_before_first_order, duration, () => "");
}

/** A headline median's 95% confidence interval in words, its ends in data-ci95; nothing
 *  without values, a sentence when they are too few for one. */
function showInterval(id, d, shown, unit) {
  const e = document.getElementById(id);
  const ci = d && d.p50_ci95;
  e.dataset.ci95 = ci ? ci.join(",") : "";
  if (!d || !(d.n > 0)) return (e.textContent = "");
  if (!ci) return (e.textContent = "Too few values for a 95% confidence interval of the median (it takes 6).");
  e.textContent = "95% confidence interval of the median: " +
    (ci[0] === ci[1] ? shown(ci[0]) + unit(ci[0]) : shown(ci[0]) + " to " + shown(ci[1]) + unit(ci[1])) + ".";
}

/** The spread in words: p25 and p75 as "half … between … and …", p90 as "9 in 10 … at most
 *  …", then the mean and the largest; nothing without values. words: [who, verb, unit(v)]. */
function spread(d, shown, words) {
  if (!d || !(d.n > 0)) return "";
  const [who, verb, unit] = words;
  const valued = (v) => v !== null && v !== undefined;
  const parts = [];
  if (valued(d.p25) && valued(d.p75)) {
    parts.push(d.p25 === d.p75
      ? "At least half of " + who + " " + verb + " " + shown(d.p25) + unit(d.p25)
      : "Half of " + who + " " + verb + " between " + shown(d.p25) + " and " + shown(d.p75) + unit(d.p75));
  }
  if (valued(d.p90)) parts.push("9 in 10 at most " + shown(d.p90) + unit(d.p90));
  if (valued(d.mean)) parts.push("on average " + shown(d.mean) + unit(d.mean));
  if (valued(d.max)) parts.push("the most " + shown(d.max) + unit(d.max));
  const text = parts.join("; ");
  return text ? text + "." : "";
}

function renderDaily(daily) {
  const container = document.getElementById("chart-daily");
  const given = daily.days || [];
  if (given.length === 0) return emptyPlot(container, "No sessions yet.");
  // Every calendar day between the first and the last, so that quiet days show as gaps.
  const byDay = new Map(given.map((d) => [d.day, d]));
  const days = [];
  const first = Date.parse(given[0].day + "T00:00:00Z");
  const last = Date.parse(given[given.length - 1].day + "T00:00:00Z");
  if (isFinite(first) && isFinite(last) && (last - first) / 864e5 < 3700) {
    for (let t = first; t <= last; t += 864e5) {
      const day = new Date(t).toISOString().slice(0, 10);
      days.push(byDay.get(day) || { day, sessions: 0, ordering_sessions: 0, partial: 0 });
    }
  } else {
    days.push(...given);
  }

  const m = { left: 64, right: 12, top: 26, bottom: 40 };
  const { svg, width, height, w, h, y } = countFrame(container, m, Math.max(0, ...days.map((d) => d.sessions)));
  const band = w / days.length;
  const bw = Math.min(48, band > 3 ? band * 0.78 : band);
  const labelEvery = Math.max(1, Math.ceil(62 / band));
  let lastYear = null;
  // The right end of the last day label drawn: a label that would touch it is left out.
  let labelsEnd = -Infinity;
  days.forEach((d, i) => {
    const cx = m.left + band * i + band / 2;
    const g = add(svg, "g", {});
    const partial = d.partial === 1;
    tip(g, dayLabel(d.day, true) + ": " + count(d.sessions) + " sessions, " + count(d.ordering_sessions) + " with an order (" +
      percent(d.sessions > 0 ? d.ordering_sessions / d.sessions : 0) + ")" +
      (partial ? "; a partial day: the data ends before it is over" : ""));
    // A partial day (the data ends during it) is drawn outlined and faint.
    const style = partial ? { "fill-opacity": 0.35, stroke: "var(--main)", "stroke-dasharray": "3 2" } : {};
    add(g, "rect", { x: cx - bw / 2, y: y(d.sessions), width: bw, height: y(0) - y(d.sessions), fill: "var(--light)", ...style });
    add(g, "rect", { x: cx - bw / 2, y: y(d.ordering_sessions), width: bw, height: y(0) - y(d.ordering_sessions), fill: "var(--main)", ...style });
    if (partial) g.setAttribute("data-partial", "true");
    if (i % labelEvery === 0) {
      const year = d.day.slice(0, 4);
      // The first label starts at the axis (centred, it would run into the y axis's "0"), and
      // a label that would stick out at the right edge ends there instead.
      const atEdge = cx + 26 > width;
      const anchor = i === 0 ? "start" : atEdge ? "end" : "middle";
      const at = i === 0 ? m.left : atEdge ? width - 2 : cx;
      const label = add(svg, "text", { x: at, y: y(0) + 16, "text-anchor": anchor, class: "tick" },
        dayLabel(d.day, year !== lastYear));
      const box = label.getBBox();
      if (box.x < labelsEnd + 6) {
        label.remove();
      } else {
        add(svg, "line", { x1: cx, x2: cx, y1: y(0), y2: y(0) + 4, class: "baseline" });
        labelsEnd = box.x + box.width;
        lastYear = year;
      }
    }
  });
  add(svg, "text", {
    transform: "rotate(-90)", x: -(m.top + h / 2), y: 13, "text-anchor": "middle", class: "axis-title",
  }, "sessions per day");
  add(svg, "text", { x: m.left + w / 2, y: height - 6, "text-anchor": "middle", class: "axis-title" }, "day the session started (UTC)");
  legend(svg, width - m.right, 8, [["all sessions", "var(--light)"], ["sessions with an order", "var(--main)"]]);
}

function renderVisits(rows) {
  const container = document.getElementById("chart-visits");
  if (!rows || rows.length === 0) return emptyPlot(container, "No orders yet.");
  // 1 … 10 one bar each (gaps filled with 0), everything beyond in one "11+" bar.
  const cap = 10;
  const maxVisits = Math.max(...rows.map((r) => r.visits));
  const bars = [];
  for (let v = 1; v <= Math.min(maxVisits, cap); v++) bars.push({ label: String(v), value: 0 });
  let tail = 0;
  for (const r of rows) {
    if (r.visits <= cap) bars[r.visits - 1].value += r.ordering_sessions;
    else tail += r.ordering_sessions;
  }
  if (maxVisits > cap) bars.push({ label: cap + 1 + "+", value: tail });
  barChart(container, bars, {
    xTitle: "sessions up to and including the ordering one",
    yTitle: "ordering sessions",
    unitX: "visits",
    unitY: "ordering sessions",
  });
}

function renderMinutes(rows) {
  const container = document.getElementById("chart-minutes");
  if (!rows || rows.length === 0 || rows.every((r) => r.customers === 0)) return emptyPlot(container, "No orders yet.");
  const bars = rows.map((r) => ({
    // Bins of equal width: each bar is labelled with where it starts, which keeps the labels
    // short enough not to overlap.
    label: r.to_minutes === null ? r.from_minutes + "+" : String(r.from_minutes),
    value: r.customers,
  }));
  barChart(container, bars, {
    xTitle: "minutes before the first order (10-minute bins)",
    yTitle: "customers",
    unitX: "minutes",
    unitY: "customers",
  });
}

function renderReferrers(data) {
  const container = document.getElementById("chart-referrers");
  const all = data.referrers || [];
  const note = document.getElementById("referrers-note");
  showDifference(data.difference, all);
  if (all.length === 0) return emptyPlot(container, "No sessions yet.");
  const rows = all.slice(0, TOP_REFERRERS);
  // The wide layout's columns need about 960 px; below, each host takes two lines.
  if ((container.clientWidth || 600) < 960) renderReferrersNarrow(container, rows);
  else renderReferrersWide(container, rows);
  let text = "Each session counts under the site its first referrer came from (\u201c(direct)\u201d: none); " +
    "duration is first to last event, so a one-event session lasts 0 minutes. The dark bar ends at the median " +
    "(half the sessions are shorter), the light bar where 9 in 10 are shorter, the orange mark at the average; " +
    "the black line across the median's end spans its 95% confidence interval (none under 6 sessions).";
  if (all.length > rows.length) {
    const rest = all.slice(rows.length);
    const restSessions = rest.reduce((s, r) => s + r.sessions, 0);
    text += " Showing the " + rows.length + " hosts with the most sessions; " + count(rest.length) +
      " more hosts have " + count(restSessions) + " sessions together.";
  }
  note.textContent = text;
}

function referrerTip(g, r) {
  const ci = r.median_minutes_ci95;
  const vs = r.vs_direct;
  tip(g, r.referrer_host + ": " + count(r.sessions) + " sessions, " + count(r.ordering_sessions) +
    " with an order (" + percent(r.ordering_share) + "); median " + duration(r.median_minutes || 0) +
    (ci ? " (95% confidence interval " + duration(ci[0]) + " to " + duration(ci[1]) + ")" : "") +
    ", mean " + duration(r.mean_minutes || 0) + ", 9 in 10 at most " + duration(r.p90_minutes || 0) +
    (vs && vs.p_value_holm !== null
      ? "; against direct visits " + pValue(vs.p_value_holm) + " (Mann\u2013Whitney with Holm's correction)"
      : ""));
}

/** The end of a row's marks: the longest of its bars, mean and interval. */
function referrerEnd(r) {
  const ci = r.median_minutes_ci95;
  return Math.max(r.p90_minutes || 0, r.mean_minutes || 0, ci ? ci[1] : 0);
}

/** A 95% confidence interval from x0 to x1 at height y: a line with an end mark at each
 *  side, outlined in white so that it shows on the dark bar and off it. */
function whisker(parent, x0, x1, y) {
  const g = add(parent, "g", {});
  for (const [stroke, width] of [["#fff", 4], ["var(--ink)", 1.5]]) {
    const line = { stroke, "stroke-width": width, "stroke-linecap": "square" };
    add(g, "line", { x1: x0, x2: x1, y1: y, y2: y, ...line });
    add(g, "line", { x1: x0, x2: x0, y1: y - 5, y2: y + 5, ...line });
    add(g, "line", { x1: x1, x2: x1, y1: y - 5, y2: y + 5, ...line });
  }
  return g;
}

/** A row's median interval, when it has one, with its ends (in minutes) in data-ci95. */
function medianInterval(g, r, x, y) {
  const ci = r.median_minutes_ci95;
  if (ci) whisker(g, x(ci[0]), x(ci[1]), y).setAttribute("data-ci95", ci.join(","));
}

/** Whether duration differs by referrer, in words: the Kruskal–Wallis test across the hosts,
 *  then which hosts differ from direct visits (Mann–Whitney with Holm's correction); the
 *  test's p-value in data-p-value, whether it found a difference in data-differs. */
function showDifference(d, rows) {
  const e = document.getElementById("referrers-difference");
  e.dataset.pValue = d ? String(d.p_value) : "";
  e.dataset.differs = d && d.p_value !== null ? String(d.p_value < ALPHA) : "";
  e.textContent = differenceSentence(d, rows);
}

function differenceSentence(d, rows) {
  if (!d || !(d.sessions > 0)) return "";
  if (d.groups < 2) return "All these sessions come from one referrer, so there is nothing to compare their duration with.";
  if (d.p_value === null) return "Every one of these sessions lasts as long as every other: no difference to test.";
  const test = "(Kruskal\u2013Wallis, " + pValue(d.p_value) + ", over " + count(d.sessions) + " sessions from " +
    count(d.groups) + " referrers)";
  if (d.p_value >= ALPHA) return "Session duration does not differ by referrer beyond chance " + test + ".";
  const said = "Session duration differs by referrer " + test;
  const direct = rows.find((r) => r.referrer_host === "(direct)");
  if (!direct) return said + ".";
  const differs = rows
    .filter((r) => r.vs_direct && r.vs_direct.p_value_holm !== null && r.vs_direct.p_value_holm < ALPHA)
    .sort((a, b) => a.vs_direct.p_value_holm - b.vs_direct.p_value_holm);
  if (differs.length === 0) {
    return said + ", but no single referrer differs from direct visits beyond chance (Mann\u2013Whitney with Holm's correction).";
  }
  // U counts the pairs (a session of the host, a direct one) in which the host's is longer,
  // ties half: above half of all pairs, the host's sessions tend to be longer.
  const longer = differs.filter((r) => r.vs_direct.u > (r.sessions * direct.sessions) / 2);
  const shorter = differs.filter((r) => !longer.includes(r));
  const parts = [];
  if (longer.length) parts.push("sessions from " + hostList(longer) + " are longer than direct ones");
  if (shorter.length) parts.push((longer.length ? "those from " : "sessions from ") + hostList(shorter) + " are shorter");
  return said + ": " + parts.join("; ") + " (Mann\u2013Whitney with Holm's correction).";
}

/** "a (p < 0.001), b (p = 0.01) and 3 more". */
function hostList(rows) {
  const named = rows.slice(0, 3).map((r) => r.referrer_host + " (" + pValue(r.vs_direct.p_value_holm) + ")");
  if (rows.length > 3) named.push(count(rows.length - 3) + " more");
  return named.length === 1 ? named[0] : named.slice(0, -1).join(", ") + " and " + named[named.length - 1];
}

function referrerTicks(rows) {
  const max = Math.max(0, ...rows.map(referrerEnd));
  return niceTicks(max, 5, [0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720]);
}

/** Narrow screens (phones): each host on two lines, its figures above a full-width bar. */
function renderReferrersNarrow(container, rows) {
  const rowH = 46;
  const m = { top: 48, bottom: 44, left: 8, right: 12 };
  const height = m.top + rows.length * rowH + m.bottom;
  const { svg, width } = newSvg(container, height);
  const ticks = referrerTicks(rows);
  const top = ticks[ticks.length - 1];
  const x0 = m.left;
  const x1 = width - m.right;
  const x = (v) => x0 + (Math.max(0, v) / top) * (x1 - x0);
  const plotBottom = m.top + rows.length * rowH;
  legend(svg, width - m.right, 10, [
    ["median", "var(--main)"],
    ["9 in 10 shorter", "var(--light)"],
    ["mean", "var(--accent)", "tick"],
  ]);
  legend(svg, width - m.right, 30, [[INTERVAL_LEGEND, "var(--ink)", "interval"]]);
  for (const t of ticks) {
    add(svg, "line", { x1: x(t), x2: x(t), y1: m.top, y2: plotBottom, class: t === 0 ? "baseline" : "gridline" });
    const anchor = t === 0 ? "start" : t === top ? "end" : "middle";
    add(svg, "text", { x: x(t), y: plotBottom + 15, "text-anchor": anchor, class: "tick" }, durationTick(t));
  }
  add(svg, "text", { x: (x0 + x1) / 2, y: plotBottom + 34, "text-anchor": "middle", class: "axis-title" },
    "session duration (first to last event)");
  rows.forEach((r, i) => {
    const rowTop = m.top + i * rowH;
    const g = add(svg, "g", {});
    referrerTip(g, r);
    if (i % 2 === 0) add(g, "rect", { x: 0, y: rowTop, width: width, height: rowH, fill: "#f7f9fb" });
    add(g, "text", { x: x0, y: rowTop + 15, class: "bar-label" }, clip(String(r.referrer_host), 24));
    add(g, "text", { x: x1, y: rowTop + 15, "text-anchor": "end", class: "small" },
      count(r.sessions) + " sessions \u00b7 " + percent(r.ordering_share) + " ordered");
    const bar = rowTop + 22;
    add(g, "rect", { x: x0, y: bar, width: x(r.p90_minutes || 0) - x0, height: 14, fill: "var(--light)", rx: 1.5 });
    add(g, "rect", { x: x0, y: bar, width: x(r.median_minutes || 0) - x0, height: 14, fill: "var(--main)", rx: 1.5 });
    add(g, "rect", { x: x(r.mean_minutes || 0) - 1.25, y: bar - 2, width: 2.5, height: 18, fill: "var(--accent)" });
    medianInterval(g, r, x, bar + 7);
  });
}

/** Wide screens: one line per host, the figures in columns on the right. */
function renderReferrersWide(container, rows) {
  const rowH = 26;
  const m = { top: 44, bottom: 44 };
  const height = m.top + rows.length * rowH + m.bottom;
  const { svg, width } = newSvg(container, height);
  const labelW = 210;
  const colShare = width - 8;
  const colOrders = width - 98;
  const colSessions = width - 188;
  // Room for "median 10.3 min · mean 11.3 min · 9 in 10 ≤ 1 h 28 min".
  const valueW = 290;
  const x0 = labelW;
  const x1 = colSessions - 70 - valueW;
  const ticks = referrerTicks(rows);
  const top = ticks[ticks.length - 1];
  const x = (v) => x0 + (Math.max(0, v) / top) * (x1 - x0);
  const plotBottom = m.top + rows.length * rowH;

  add(svg, "text", { x: labelW - 10, y: m.top - 10, "text-anchor": "end", class: "head" }, "referrer host");
  add(svg, "text", { x: colSessions, y: m.top - 10, "text-anchor": "end", class: "head" }, "sessions");
  add(svg, "text", { x: colOrders, y: m.top - 10, "text-anchor": "end", class: "head" }, "with order");
  add(svg, "text", { x: colShare, y: m.top - 10, "text-anchor": "end", class: "head" }, "order share");
  legend(svg, x1 + valueW, 10, [
    ["median", "var(--main)"],
    ["9 in 10 shorter", "var(--light)"],
    ["mean", "var(--accent)", "tick"],
    [INTERVAL_LEGEND, "var(--ink)", "interval"],
  ]);
  for (const t of ticks) {
    add(svg, "line", { x1: x(t), x2: x(t), y1: m.top - 4, y2: plotBottom, class: t === 0 ? "baseline" : "gridline" });
    add(svg, "text", { x: x(t), y: plotBottom + 15, "text-anchor": "middle", class: "tick" }, durationTick(t));
  }
  add(svg, "text", { x: (x0 + x1) / 2, y: plotBottom + 34, "text-anchor": "middle", class: "axis-title" },
    "session duration (first to last event)");

  rows.forEach((r, i) => {
    const top = m.top + i * rowH;
    const mid = top + rowH / 2;
    const g = add(svg, "g", {});
    referrerTip(g, r);
    if (i % 2 === 0) add(g, "rect", { x: 0, y: top, width: width, height: rowH, fill: "#f7f9fb" });
    add(g, "text", { x: labelW - 10, y: mid + 4, "text-anchor": "end", class: "bar-label" }, clip(String(r.referrer_host), 30));
    add(g, "rect", { x: x0, y: mid - 7, width: x(r.p90_minutes || 0) - x0, height: 14, fill: "var(--light)", rx: 1.5 });
    add(g, "rect", { x: x0, y: mid - 7, width: x(r.median_minutes || 0) - x0, height: 14, fill: "var(--main)", rx: 1.5 });
    add(g, "rect", { x: x(r.mean_minutes || 0) - 1.25, y: mid - 9, width: 2.5, height: 18, fill: "var(--accent)" });
    medianInterval(g, r, x, mid);
    const end = x(referrerEnd(r));
    add(g, "text", { x: end + 8, y: mid + 4, class: "small" },
      "median " + duration(r.median_minutes || 0) + " \u00b7 mean " + duration(r.mean_minutes || 0) +
      " \u00b7 9 in 10 \u2264 " + duration(r.p90_minutes || 0));
    add(g, "text", { x: colSessions, y: mid + 4, "text-anchor": "end", class: "bar-label" }, count(r.sessions));
    add(g, "text", { x: colOrders, y: mid + 4, "text-anchor": "end", class: "bar-label" }, count(r.ordering_sessions));
    add(g, "text", { x: colShare, y: mid + 4, "text-anchor": "end", class: "bar-label" }, percent(r.ordering_share));
  });
}

/**
 * Both medians along a row of points (ingests, timeouts), one panel each, with a line through
 * the points. opts: panels [[key, title, shown]], panelH, pointAttr (the attribute that marks
 * each point), tipText(row, shown value, marked), label(row), axisTitle, and marked: the index
 * of the point to mark (dashed line, larger dot, bold label) or -1.
 */
function medianPanels(container, rows, opts) {
  const m = { left: 58, right: 24, top: 6, bottom: 40 };
  const height = m.top + opts.panels.length * opts.panelH + m.bottom;
  const { svg, width } = newSvg(container, height);
  const n = rows.length;
  const span = width - m.left - m.right;
  const x = (i) => m.left + (n === 1 ? span / 2 : (i * span) / (n - 1));
  opts.panels.forEach(([key, title, shown], p) => {
    const top = m.top + p * opts.panelH;
    const h = opts.panelH - 40;
    const values = rows.map((r) => r[key]).filter((v) => v !== null && v !== undefined);
    const ticks = niceTicks(Math.max(0, ...values), 3);
    const topValue = ticks[ticks.length - 1];
    const y = (v) => top + 22 + h - (v / topValue) * h;
    add(svg, "text", { x: m.left, y: top + 12, class: "head" }, title);
    for (const t of ticks) {
      add(svg, "line", { x1: m.left, x2: width - m.right, y1: y(t), y2: y(t), class: t === 0 ? "baseline" : "gridline" });
      add(svg, "text", { x: m.left - 6, y: y(t) + 4, "text-anchor": "end", class: "tick" }, decimal(t));
    }
    if (opts.marked >= 0) {
      // Below the panel's title, down to its baseline.
      add(svg, "line", {
        x1: x(opts.marked), x2: x(opts.marked), y1: y(topValue) - 4, y2: y(0) + 6,
        stroke: "var(--accent)", "stroke-dasharray": "4 3", "data-marked": opts.label(rows[opts.marked]),
      });
    }
    const points = [];
    rows.forEach((r, i) => {
      const v = r[key];
      if (v === null || v === undefined) return;
      points.push(x(i) + "," + y(v));
      const marked = i === opts.marked;
      const dot = add(svg, "circle", {
        cx: x(i), cy: y(v), r: marked ? 5 : 3.5, fill: marked ? "var(--accent)" : "var(--main)", [opts.pointAttr]: key,
      });
      tip(dot, opts.tipText(r, shown(v), marked));
    });
    if (points.length > 1) {
      add(svg, "polyline", { points: points.join(" "), fill: "none", stroke: "var(--main)", "stroke-width": 1.5 });
    }
  });
  // The points' labels along the bottom; a label that would touch the previous one is left out.
  let labelsEnd = -Infinity;
  rows.forEach((r, i) => {
    const anchor = n === 1 ? "middle" : i === 0 ? "start" : i === n - 1 ? "end" : "middle";
    const label = add(svg, "text", {
      x: x(i), y: height - 24, "text-anchor": anchor, class: i === opts.marked ? "bar-label" : "tick",
    }, opts.label(r));
    const box = label.getBBox();
    if (box.x < labelsEnd + 6) label.remove();
    else labelsEnd = box.x + box.width;
  });
  add(svg, "text", { x: m.left + span / 2, y: height - 6, "text-anchor": "middle", class: "axis-title" }, opts.axisTitle);
}

/** Both medians after every change (ingest or sessionize), oldest first. */
function renderHistory(data) {
  const container = document.getElementById("chart-history");
  const rows = data.history || [];
  // Points without a value on both panels would be empty axes.
  const valued = (v) => v !== null && v !== undefined;
  const points = rows.filter((r) => valued(r.median_visits_after) || valued(r.median_minutes_after)).length;
  // A line over time needs two points. A report is a snapshot, so it leaves the card out; the
  // live dashboard keeps it, with a line that says when it will be drawn, for whoever adds data.
  const card = document.getElementById("history-card");
  card.hidden = EMBEDDED !== null && points < 2;
  if (rows.length === 0) return emptyPlot(container, "No data loaded yet.");
  if (points === 0) return emptyPlot(container, "No orders yet.");
  if (points === 1) return emptyPlot(container, "One point so far: the line is drawn from the next load of data on.");
  medianPanels(container, rows, {
    panels: [
      ["median_visits_after", "median visits before an order", (v) => decimal(v)],
      ["median_minutes_after", "median minutes before the first order", (v) => duration(v)],
    ],
    panelH: 112,
    pointAttr: "data-point",
    tipText: (r, shown) => "#" + r.id + ", " + (r.command === "ingest" ? "new data loaded" : "sessions recounted") +
      " (" + dateTime(r.finished_at) + "): " + shown,
    label: (r) => "#" + r.id,
    axisTitle: "each load of new data or recount of the sessions, oldest first",
    marked: -1,
  });
}

/** Both medians at each timeout of /metrics/sensitivity; the file's own timeout (from
 *  /metrics/summary) is marked. */
function renderSensitivity(data, summary) {
  const container = document.getElementById("chart-sensitivity");
  const rows = data.timeouts || [];
  if (rows.length === 0 || rows.every((r) => r.ordering_sessions === 0)) return emptyPlot(container, "No orders yet.");
  const own = summary && summary.session_timeout_seconds ? summary.session_timeout_seconds / 60 : null;
  medianPanels(container, rows, {
    panels: [
      ["median_visits_before_order", "median visits before an order", (v) => decimal(v)],
      ["median_session_duration_minutes_before_order", "median minutes before the first order", (v) => duration(v)],
    ],
    panelH: 104,
    pointAttr: "data-timeout-point",
    tipText: (r, shown, marked) => durationTick(r.timeout_minutes) + (marked ? " (this file's timeout)" : "") + ": " +
      shown + "; " + count(r.sessions) + " sessions, " + count(r.ordering_sessions) + " with an order",
    label: (r) => durationTick(r.timeout_minutes),
    axisTitle: "session timeout (the dashed line: this file's)",
    marked: rows.findIndex((r) => Math.abs(r.timeout_minutes - own) < 1e-9),
  });
}

/** The referrer menu: every host with sessions, most sessions first. */
function renderHostMenu(hosts) {
  const select = document.getElementById("range-referrer");
  // Drawn again on every resize: the first option ("all referrers") stays, the hosts are new.
  select.replaceChildren(select.options[0]);
  const chosen = pageFilter().get("referrer");
  const names = (hosts.referrers || []).map((r) => String(r.referrer_host));
  if (chosen && !names.includes(chosen)) names.unshift(chosen);
  for (const name of names) {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    option.defaultSelected = name === chosen;
    select.appendChild(option);
  }
}

/** The range form: filled from the page's URL; showing a range is a new URL (a link to share). */
function setUpRange() {
  const filter = pageFilter();
  const form = document.getElementById("range-form");
  // A report has no form: its range is the one it was made with, said in the note below.
  if (!form) return showScope(filter);
  // defaultValue and defaultSelected: the values show in the markup too (value, selected).
  document.getElementById("range-from").defaultValue = filter.get("from") || "";
  document.getElementById("range-to").defaultValue = filter.get("to") || "";
  document.getElementById("range-clear").hidden = filter.toString() === "";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const key of FILTER_KEYS) {
      const value = form.elements[key].value.trim();
      if (value) next.set(key, value);
    }
    const query = next.toString();
    location.assign(location.pathname + (query ? "?" + query : ""));
  });
  showScope(filter);
}

/** The note that says what the range applies to, when there is one. */
function showScope(filter) {
  const scope = document.getElementById("range-scope");
  if (filter.toString() === "") return;
  const parts = [];
  if (filter.get("from") || filter.get("to")) {
    parts.push((filter.get("from") ? "from " + dayLabel(filter.get("from"), true) : "up to") +
      (filter.get("to") ? (filter.get("from") ? " to " : " ") + dayLabel(filter.get("to"), true) : " on") + " (UTC)");
  }
  if (filter.get("referrer")) parts.push("referrer " + filter.get("referrer"));
  scope.textContent = "Showing " + parts.join(", ") + ": the medians and their spread count the orders placed in range " +
    "(visits before an order still count earlier sessions); sessions per day, the distributions and the referrers count " +
    "the sessions that started in range. The counts at the top right, the medians over time and the timeouts chart " +
    "cover all the data.";
  scope.hidden = false;
}

/** Sets the date inputs' bounds to the days the data covers. */
function boundRange(summary) {
  for (const id of ["range-from", "range-to"]) {
    const input = document.getElementById(id);
    if (!input) continue;
    if (summary.first_event_at) input.min = summary.first_event_at.slice(0, 10);
    if (summary.last_event_at) input.max = summary.last_event_at.slice(0, 10);
  }
}

// ---------------------------------------------------------------- loading

const FETCH_TIMEOUT_MS = 30000;

/** The data a report carries in its page (null on the served dashboard), read once. */
const EMBEDDED = (() => {
  const block = document.getElementById("xcc-data");
  return block ? JSON.parse(block.textContent) : null;
})();

/** The page's own from, to and referrer (its URL keeps them, so that a link shares them; a
 *  report's data says the filter it was made with). */
function pageFilter() {
  const given = new URLSearchParams(EMBEDDED ? EMBEDDED.filter || {} : location.search);
  const filter = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = given.get(key);
    if (value) filter.set(key, value);
  }
  return filter;
}

async function load([, endpoint, filtered]) {
  const filter = pageFilter().toString();
  const path = endpoint + (filtered && filter ? "?" + filter : "");
  // A request that never gets an answer must end in a message, not in a page that waits forever.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
  let response;
  try {
    response = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store", signal: abort.signal });
  } catch (e) {
    throw new Error(path + (abort.signal.aborted
      ? ": no answer within " + FETCH_TIMEOUT_MS / 1000 + " s"
      : ": the server did not answer (" + e.message + ")"));
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) {
    let detail = "";
    try { detail = (await response.json()).error || ""; } catch (_) { /* not JSON */ }
    throw new Error(path + ": HTTP " + response.status + (detail ? ", " + detail : ""));
  }
  try {
    return await response.json();
  } catch (e) {
    throw new Error(path + ": the answer is not JSON (" + e.message + ")");
  }
}

// [endpoint, how to draw it, the charts and headline numbers it fills]
const PARTS = [
  ["orders", (d) => renderOrders(d.orders), ".big [data-metric]"],
  ["summary", (d) => { renderSummary(d.summary); boundRange(d.summary); }, ".stats [data-metric]"],
  ["daily", (d) => renderDaily(d.daily), "#chart-daily"],
  ["detail", (d) => renderBasis(d.detail), ""],
  ["distributions", (d) => renderVisits(d.distributions.visits_before_order), "#chart-visits"],
  ["distributions", (d) => renderMinutes(d.distributions.minutes_before_first_order), "#chart-minutes"],
  ["referrers", (d) => renderReferrers(d.referrers), "#chart-referrers"],
  ["history", (d) => renderHistory(d.history), "#chart-history"],
  ["sensitivity", (d) => renderSensitivity(d.sensitivity, d.summary), "#chart-sensitivity"],
  ["hosts", (d) => renderHostMenu(d.hosts), ""],
];

let loaded = null;

function render(errors) {
  for (const [name, draw, fills] of PARTS) {
    if (!(name in loaded)) {
      for (const e of fills ? document.querySelectorAll(fills) : []) {
        if (e.classList.contains("plot")) {
          emptyPlot(e, "Not available: see the error at the top.");
        } else {
          e.textContent = "\u2013";
          e.classList.add("none");
        }
      }
      continue;
    }
    try {
      draw(loaded);
    } catch (e) {
      errors.push("drawing /metrics/" + name + " failed: " + e.message);
    }
  }
}

function showErrors(errors) {
  const list = document.getElementById("error-list");
  list.replaceChildren();
  for (const message of errors) {
    const li = document.createElement("li");
    li.textContent = message;
    list.appendChild(li);
  }
  document.getElementById("errors").hidden = errors.length === 0;
}

/** The answers of `endpoints`, as Promise.allSettled gives them: fetched from the server, or,
 *  in a report, taken from its data (one missing there is an error, as a failed fetch is). */
function loadAll(endpoints) {
  if (!EMBEDDED) return Promise.allSettled(endpoints.map(load));
  return Promise.allSettled(endpoints.map(([key, endpoint]) => key in EMBEDDED
    ? Promise.resolve(EMBEDDED[key])
    : Promise.reject(new Error(endpoint + ": not in this report"))));
}

async function main() {
  setUpRange();
  const endpoints = EMBEDDED ? ENDPOINTS.filter(([key]) => key !== "hosts") : ENDPOINTS;
  const results = await loadAll(endpoints);
  const errors = [];
  loaded = {};
  results.forEach((r, i) => {
    if (r.status === "fulfilled") loaded[endpoints[i][0]] = r.value;
    else errors.push(r.reason.message);
  });
  if (!("summary" in loaded)) setText("subtitle", "The summary could not be loaded.");
  render(errors);
  showErrors(errors);
  document.body.dataset.ready = errors.length === 0 ? "true" : "error";
  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(() => render([]), 150);
  });
  // Printing lays the page out again at the paper's width (A4 in a report): the charts are
  // drawn again at that width, or a chart drawn for a wider window would shrink its text on
  // paper below a readable size; and again for the window afterwards.
  if (window.matchMedia) window.matchMedia("print").addEventListener("change", () => render([]));
}

main().catch((e) => {
  showErrors(["the dashboard failed: " + e.message]);
  document.body.dataset.ready = "error";
});
