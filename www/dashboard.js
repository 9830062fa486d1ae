// The dashboard: /v1/stats as charts (estimate with its 95% interval), and
// as a table for screen readers and copying. SVG is built with DOM calls and
// presentation attributes only, so it runs under the shop's strict CSP.
const NS = 'http://www.w3.org/2000/svg';
// Bucket edges of docs/report-format.md.
// Bucket 0 is "none that day" (not measured, no order, no answer).
const LATENCY = ['not measured', '<0.1', '0.1–0.25', '0.25–0.5', '0.5–1', '1–2.5', '2.5–5', '5–16', '≥16'];
const ORDER = ['no order', '<$10', '$10–25', '$25–50', '$50–75', '$75–100', '$100–150', '$150–250', '≥$250'];
const RELEVANCE = ['no answer', '1', '2', '3', '4', '5'];

const $ = (id) => document.getElementById(id);
const svg = (tag, attrs, text) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const num = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));

/** Horizontal bars with interval whiskers; rows: [{label, est}] */
function chart(title, rows, fmt, max) {
  const fig = document.createElement('figure');
  fig.className = 'chart';
  const cap = document.createElement('figcaption');
  cap.textContent = title;
  if (!rows.length) rows = [{ label: '', est: null }];
  const W = 320, row = 26, left = 90, H = rows.length * row + 24;
  const hi = max ?? Math.max(1e-9, ...rows.map((r) => (r.est ? r.est.high : 0)));
  const x = (v) => left + Math.max(0, Math.min(1, v / hi)) * (W - left - 10);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' });
  const said = [];
  rows.forEach((r, k) => {
    const y = 8 + k * row;
    s.append(svg('text', { x: left - 6, y: y + 13, 'text-anchor': 'end', 'font-size': 11, fill: '#1d1d1f' }, r.label));
    if (!r.est) {
      s.append(svg('text', { x: left, y: y + 13, 'font-size': 11, fill: '#4d4d4d' }, 'no data'));
      said.push(`${r.label}: no data`);
      return;
    }
    const e = r.est;
    s.append(svg('rect', { x: left, y: y + 2, width: Math.max(1, x(e.value) - left), height: 14, fill: '#0b6e4f', rx: 2 }));
    s.append(svg('line', { x1: x(e.low), x2: x(e.high), y1: y + 9, y2: y + 9, stroke: '#1d1d1f', 'stroke-width': 1.5 }));
    for (const v of [e.low, e.high]) s.append(svg('line', { x1: x(v), x2: x(v), y1: y + 4, y2: y + 14, stroke: '#1d1d1f', 'stroke-width': 1.5 }));
    said.push(`${r.label}: ${fmt(e.value)} (95% interval ${fmt(e.low)} to ${fmt(e.high)})`);
  });
  s.setAttribute('aria-label', `${title}. ${said.join('; ')}`);
  fig.append(cap, s);
  return fig;
}

function addRows(tbody, rows, fmt) {
  for (const r of rows) {
    const tr = document.createElement('tr');
    const cells = r.est ? [r.label, fmt(r.est.value), `${fmt(r.est.low)} … ${fmt(r.est.high)}`, r.est.n] : [r.label, '—', '—', 0];
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = String(c);
      tr.append(td);
    }
    tbody.append(tr);
  }
}

async function show(day, placement) {
  const q = new URLSearchParams({ day });
  if (placement) q.set('placement', placement);
  const r = await fetch(`/v1/stats?${q}`);
  const charts = $('charts');
  const tbody = document.querySelector('#table tbody');
  charts.replaceChildren();
  tbody.replaceChildren();
  if (!r.ok) {
    $('summary').textContent = `The collector answered ${r.status}: ${(await r.json().catch(() => ({}))).error ?? ''}`;
    return;
  }
  const s = await r.json();
  const extra = [
    s.order_value_mean_cents ? `average order $${(s.order_value_mean_cents.value / 100).toFixed(2)} (95% interval $${(s.order_value_mean_cents.low / 100).toFixed(2)} to $${(s.order_value_mean_cents.high / 100).toFixed(2)})` : null,
    s.latency_p50_us != null ? `latency median ≤ ${s.latency_p50_us / 1000} ms` : null,
    s.latency_p90_us != null ? `p90 ≤ ${s.latency_p90_us / 1000} ms` : null,
  ].filter(Boolean);
  const few = s.reports < 200 ? ' Few reports: each carries one metric, so the intervals are wide.' : '';
  $('summary').textContent = `${s.reports} reports on ${day}${placement ? ` for ${placement}` : ''}.${extra.length ? ` ${extra.join(', ')}.` : ''}${few}`;
  const rates = [
    { label: 'CTR', est: s.ctr },
    { label: 'add to cart', est: s.add_to_cart_rate },
    { label: 'dismissed', est: s.dismissal_rate },
    { label: 'converted', est: s.conversion_rate },
  ];
  const means = Object.entries(s.means).map(([k, est]) => ({ label: k.replaceAll('_', ' '), est }));
  const hist = (name, labels) => (s.histograms[name] ?? []).map((est, k) => ({ label: labels[k] ?? `${k}`, est }));
  charts.append(
    chart('Rates per impression', rates, pct),
    chart('Per client-day (mean)', means, num),
    chart('Recommendation latency, ms (share of client-days)', hist('latency', LATENCY), pct, 1),
    chart('Order value (share of client-days)', hist('order_value', ORDER), pct, 1),
    chart(`Relevance answers${s.relevance_mean ? ` (mean ${s.relevance_mean.value.toFixed(2)}, 95% interval ${s.relevance_mean.low.toFixed(2)} to ${s.relevance_mean.high.toFixed(2)})` : ''}`, hist('relevance', RELEVANCE), pct, 1),
  );
  addRows(tbody, rates, pct);
  addRows(tbody, means, num);
  addRows(tbody, hist('latency', LATENCY).map((r) => ({ ...r, label: `latency ${r.label} ms` })), pct);
  addRows(tbody, hist('order_value', ORDER).map((r) => ({ ...r, label: `order ${r.label}` })), pct);
}

const params = new URLSearchParams(location.search);
$('day').value = params.get('day') ?? new Date().toISOString().slice(0, 10);
$('placement').value = params.get('placement') ?? '';
$('pick').addEventListener('submit', (e) => {
  e.preventDefault();
  history.replaceState(null, '', `?day=${$('day').value}&placement=${$('placement').value}`);
  show($('day').value, $('placement').value);
});
show($('day').value, $('placement').value);
