// RenderHtml: the trace as one self-contained HTML page (see render.h).
//
// The trace travels as JSON inside a <script type="application/json"> block
// with <, > and & written as \u escapes, so no string of the trace can close
// the block or open a tag; the page's script inserts every string with
// textContent, never as markup. The page loads nothing from the network.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "harness/render.h"
#include "nlohmann/json.hpp"

namespace faultline {
namespace {

// The page, split at the two places where the title and the data go.
constexpr char kHead[] = R"HTML(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>)HTML";

constexpr char kBody[] = R"HTML(</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;display:flex;flex-direction:column;height:100vh}
header{padding:8px 16px;background:#f4f4f6;border-bottom:1px solid #ccc}
h1{font-size:17px;margin:0 0 4px}
#violation{color:#b00;font-weight:600}
#controls{display:flex;gap:12px;align-items:center}
#slider{flex:1;max-width:640px}
main{display:flex;flex:1;min-height:0}
#diagram-box{flex:3;overflow:auto;border-right:1px solid #ccc}
#panel{flex:2;overflow:auto;padding:8px 16px}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top;font-family:ui-monospace,monospace;font-size:12px}
pre{white-space:pre-wrap;font-size:12px}
.node-name{font-weight:600;font-size:13px}
.stepno{font-size:11px;fill:#888;font-family:monospace}
.life{stroke:#999;stroke-width:1.5}
.life.down{stroke:#d88;stroke-dasharray:3 4}
.msg{stroke:#446;stroke-width:1.2;fill:none}
.msg.dropped{stroke:#c55;stroke-dasharray:5 4}
.msg.inflight{stroke:#aaa;stroke-dasharray:2 3}
.event{fill:#fff;stroke:#224;stroke-width:1.5;cursor:pointer}
.event.crash{fill:#d22}.event.recover{fill:#2a2}
.event.past{fill:#fc3}.event.clicked{fill:#36f}
.msg.past{stroke:#e90;stroke-width:2.5}
.band{fill:#cde;opacity:.55}
.band.bad{fill:#f99}
.partition{fill:#fe9;opacity:.6}.heal{fill:#bfb;opacity:.6}
.mark{font:bold 13px monospace;fill:#c22}
.label{font:12px ui-monospace,monospace;fill:#333}.label.bad{fill:#b00;font-weight:600}
tr.crashed td{color:#b00}
</style></head>
<body>
<header>
<h1 id="title"></h1>
<div id="violation"></div>
<div id="controls"><label for="slider">step</label>
<input type="range" id="slider" min="0" value="0">
<span id="step-label"></span></div>
</header>
<main>
<div id="diagram-box"><svg id="diagram" xmlns="http://www.w3.org/2000/svg"></svg></div>
<div id="panel">
<h2 id="step-title" style="font-size:15px"></h2>
<table id="state"><thead><tr><th>node</th><th>state after this step</th></tr></thead><tbody></tbody></table>
<h3 style="font-size:13px">effects</h3><pre id="effects"></pre>
<h3 style="font-size:13px">in flight</h3><pre id="inflight"></pre>
<h3 style="font-size:13px">causal past <small>(click an event)</small></h3><pre id="past"></pre>
</div>
</main>
<script id="trace-data" type="application/json">)HTML";

constexpr char kScript[] = R"HTML(</script>
<script>
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('trace-data').textContent);
  const NS = 'http://www.w3.org/2000/svg';
  const colW = 170, rowH = 28, left = 44, top = 44;
  const nCols = data.columns.length, nSteps = data.steps.length;
  const X = c => left + c * colW + colW / 2;
  const Y = k => top + k * rowH;
  const svg = document.getElementById('diagram');
  const body = document.body;
  const labelW = 420;  // the event text to the right of each row
  svg.setAttribute('width', left + nCols * colW + labelW);
  svg.setAttribute('height', top + nSteps * rowH + 20);
  function el(name, attrs, parent, text) {
    const e = document.createElementNS(NS, name);
    for (const k of Object.keys(attrs)) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    (parent || svg).appendChild(e);
    return e;
  }
  function tip(e, text) { el('title', {}, e, text); return e; }
  function msgName(id) {
    const m = data.messages[id];
    return 'm' + id + ' ' + m.text + ' ' + data.columns[m.from] + '->' + data.columns[m.to];
  }

  document.title = 'faultline: ' + data.protocol;
  document.getElementById('title').textContent =
      data.protocol + ' \u2014 ' + (nSteps - 1) + ' steps';
  document.getElementById('violation').textContent = data.verdict ? data.verdict
      : data.violated_step >= 0
      ? 'property ' + data.property + ' violated after step ' + data.violated_step
      : 'property ' + data.property + ' holds after every step';

  const defs = el('defs', {});
  const marker = el('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5',
      markerWidth: '7', markerHeight: '7', orient: 'auto'}, defs);
  el('path', {d: 'M0,0 L10,5 L0,10 z', fill: '#446'}, marker);
  const width = nCols * colW;
  if (data.violated_step >= 0) {
    el('rect', {x: left, y: Y(data.violated_step) - rowH / 2, width: width,
        height: rowH, class: 'band bad'});
  }
  const band = el('rect', {id: 'band', x: left, y: 0, width: width, height: rowH, class: 'band'});
  data.steps.forEach((s, k) => {
    tip(el('text', {x: 6, y: Y(k) + 4, class: 'stepno'}, undefined, String(k)), s.event);
    el('text', {x: left + nCols * colW + 8, y: Y(k) + 4,
        class: s.violated ? 'label bad' : 'label'}, undefined, s.event);
    if (s.kind === 'partition' || s.kind === 'heal') {
      tip(el('rect', {x: left, y: Y(k) - rowH / 2 + 4, width: width, height: rowH - 8,
          class: s.kind}), s.event);
    }
  });
  data.columns.forEach((name, c) => {
    el('text', {x: X(c), y: 18, class: 'node-name', 'text-anchor': 'middle'}, undefined, name);
    for (let k = 0; k + 1 < nSteps; ++k) {
      el('line', {x1: X(c), y1: Y(k), x2: X(c), y2: Y(k + 1),
          class: data.steps[k].up[c] ? 'life' : 'life down'});
    }
  });
  const msgLines = data.messages.map((m, id) => {
    const endY = m.end_step >= 0 ? Y(m.end_step) : Y(nSteps - 1) + rowH * 0.6;
    let x2 = X(m.to);
    if (m.end_step < 0) x2 = (X(m.from) + X(m.to)) / 2;
    const line = el('line', {x1: X(m.from), y1: Y(m.sent_at), x2: x2, y2: endY,
        class: 'msg ' + m.end_kind, 'data-id': id, 'marker-end': 'url(#arrow)'});
    tip(line, msgName(id) + ' (' + m.end_kind + ')');
    if (m.end_kind === 'dropped') {
      el('text', {x: x2 - 4, y: endY + 4, class: 'mark'}, undefined, 'x');
    }
    return line;
  });
  const circles = data.events.map((e, i) => {
    const s = data.steps[e.step];
    const c = el('circle', {cx: X(e.node), cy: Y(e.step), r: 6,
        class: 'event ' + s.kind, 'data-index': i, 'data-step': e.step});
    tip(c, 'step ' + e.step + ': ' + s.event + '  clock [' + e.clock.join(',') + ']');
    c.addEventListener('click', () => showPast(i));
    return c;
  });
  const eventAt = {};  // "step,node" -> event index
  data.events.forEach((e, i) => { eventAt[e.step + ',' + e.node] = i; });

  function showPast(target) {
    const t = data.events[target].clock;
    const inPast = data.events.map((e, i) =>
        i !== target && e.clock.every((v, j) => v <= t[j]));
    circles.forEach((c, i) => {
      c.classList.toggle('past', inPast[i]);
      c.classList.toggle('clicked', i === target);
    });
    const known = i => i === target || inPast[i];
    msgLines.forEach((line, id) => {
      const m = data.messages[id];
      const from = eventAt[m.sent_at + ',' + m.from];
      const to = m.end_kind === 'delivered' ? eventAt[m.end_step + ',' + m.to] : undefined;
      line.classList.toggle('past', from !== undefined && to !== undefined &&
          known(from) && known(to));
    });
    const steps = data.events.filter((e, i) => inPast[i]).map(e => e.step);
    const unique = steps.filter((s, i) => steps.indexOf(s) === i);
    const text = unique.map(s => 'step ' + s + ': ' + data.steps[s].event);
    document.getElementById('past').textContent =
        'events that happened before step ' + data.events[target].step + ' at ' +
        data.columns[data.events[target].node] + ':\n' + text.join('\n');
    body.dataset.clicked = String(data.events[target].step);
    body.dataset.past = unique.join(',');
  }

  const slider = document.getElementById('slider');
  slider.max = String(nSteps - 1);
  function select(k) {
    const s = data.steps[k];
    band.setAttribute('y', Y(k) - rowH / 2);
    document.getElementById('step-label').textContent = k + ' / ' + (nSteps - 1);
    document.getElementById('step-title').textContent = 'step ' + k + ': ' + s.event +
        (s.violated ? '  \u2014 ' + data.property + ' violated' : '');
    const tbody = document.querySelector('#state tbody');
    tbody.replaceChildren();
    data.columns.forEach((name, c) => {
      const tr = document.createElement('tr');
      tr.className = s.up[c] ? 'node-row' : 'node-row crashed';
      const a = document.createElement('td');
      a.textContent = name + (s.up[c] ? '' : ' (crashed)');
      const b = document.createElement('td');
      b.textContent = s.state[c];
      tr.append(a, b);
      tbody.appendChild(tr);
    });
    document.getElementById('effects').textContent =
        s.sent.map(msgName).map(t => 'sends ' + t).concat(
            s.effects ? [s.effects.trim()] : []).join('\n') || '(none)';
    document.getElementById('inflight').textContent =
        s.in_flight.map(msgName).join('\n') || '(none)';
    body.dataset.selected = String(k);
  }
  slider.addEventListener('input', () => select(Number(slider.value)));

  body.dataset.nodes = String(nCols);
  body.dataset.messages = String(data.messages.length);
  body.dataset.steps = String(nSteps - 1);
  const initial = data.violated_step >= 0 ? data.violated_step : nSteps - 1;
  slider.value = String(initial);
  select(initial);
  // #step=K moves the slider (as a user would); #click=K clicks step K's event.
  for (const part of location.hash.replace(/^#/, '').split('&')) {
    const [key, value] = part.split('=');
    const k = Number(value);
    if (!Number.isInteger(k) || k < 0 || k >= nSteps) continue;
    if (key === 'step') {
      slider.value = String(k);
      slider.dispatchEvent(new Event('input'));
    } else if (key === 'click') {
      const c = circles.find(c => Number(c.dataset.step) === k);
      if (c) c.dispatchEvent(new MouseEvent('click', {bubbles: true}));
    }
  }
  body.dataset.ready = '1';
})();
</script>
</body></html>
)HTML";

nlohmann::json StepJson(const StepView& s) {
  return {{"kind", StepKindName(s.kind)}, {"event", s.event},
          {"node", s.node},               {"message", s.message},
          {"sent", s.sent},               {"effects", s.effects},
          {"state", s.state},             {"up", s.up},
          {"group", s.group},             {"in_flight", s.in_flight},
          {"violated", s.violated}};
}

nlohmann::json ViewJson(const TraceView& view) {
  nlohmann::json messages = nlohmann::json::array();
  for (const MessageView& m : view.messages) {
    messages.push_back({{"from", m.from}, {"to", m.to}, {"text", m.text},
                        {"sent_at", m.sent_at}, {"duplicate_of", m.duplicate_of},
                        {"end_step", -1}, {"end_kind", "inflight"}});
  }
  nlohmann::json steps = nlohmann::json::array();
  for (size_t k = 0; k < view.steps.size(); ++k) {
    const StepView& s = view.steps[k];
    steps.push_back(StepJson(s));
    if (s.kind == StepKind::kDeliver || s.kind == StepKind::kDrop) {
      messages[s.message]["end_step"] = k;
      messages[s.message]["end_kind"] =
          s.kind == StepKind::kDeliver ? "delivered" : "dropped";
    }
  }
  nlohmann::json events = nlohmann::json::array();
  for (const CausalEvent& e : VectorClocks(view)) {
    events.push_back({{"step", e.step}, {"node", e.node}, {"clock", e.clock}});
  }
  return {{"protocol", view.protocol}, {"property", view.property},
          {"violated_step", view.violated_step}, {"verdict", view.verdict}, {"columns", view.columns},
          {"steps", steps}, {"messages", messages}, {"events", events}};
}

}  // namespace

std::string RenderHtml(const TraceView& view) {
  // Invalid UTF-8 in a protocol's text becomes U+FFFD rather than an error.
  const std::string json = ViewJson(view).dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string safe = absl::StrReplaceAll(
      json, {{"<", "\\u003c"}, {">", "\\u003e"}, {"&", "\\u0026"}});
  return absl::StrCat(kHead, "faultline: ", HtmlEscape(view.protocol), kBody,
                      safe, kScript);
}

}  // namespace faultline
