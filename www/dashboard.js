// The dashboard: /v1/stats as charts (estimate with its 95% interval), and
// as a table for screen readers and copying; below, an experiment's arms
// from /v1/experiments/{name}, each against the control with its
// peeking-safe verdict, the sample-ratio check and each arm day by day;
// and the duration calculator (/v1/experiments/duration). SVG is built
// with DOM calls and presentation attributes only, so it runs under the
// shop's strict CSP.
const NS = 'http://www.w3.org/2000/svg';
// Bucket edges of docs/report-format.md.
// Bucket 0 is "none that day" (not measured, no order, no answer).
const LATENCY = ['not measured', '<0.1', '0.1–0.25', '0.25–0.5', '0.5–1', '1–2.5', '2.5–5', '5–16', '≥16'];
const ORDER = ['no order', '<$10', '$10–25', '$25–50', '$50–75', '$75–100', '$100–150', '$150–250', '≥$250'];
const RELEVANCE = ['no answer', '1', '2', '3', '4', '5'];

const $ = (id) => document.getElementById(id);

// ---- The admin token: the shop's numbers need it (`Authorization:
// Bearer`). It arrives in the link's fragment (`#token=…`, which the browser
// never sends), is kept for this tab only (sessionStorage) and dropped from
// the address bar; without it, or when it is wrong, the page asks for it.
const TOKEN_KEY = 'xsell:admin-token';
const fromLink = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromLink) {
  sessionStorage.setItem(TOKEN_KEY, fromLink);
  history.replaceState(null, '', location.pathname + location.search);
}
/** A GET of the collector's admin API; on 401 it offers the token form. */
async function adminFetch(url) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const r = await fetch(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  if (r.status === 401) {
    $('auth').hidden = false;
    $('auth-status').textContent = token ? 'The admin token was not accepted; enter it again.' : 'Enter the admin token to see the numbers.';
  }
  return r;
}
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
  const said = plotRows(s, rows, left, row, (e, y) => {
    s.append(svg('rect', { x: left, y: y + 2, width: Math.max(1, x(e.value) - left), height: 14, fill: '#0b6e4f', rx: 2 }));
    s.append(svg('line', { x1: x(e.low), x2: x(e.high), y1: y + 9, y2: y + 9, stroke: '#1d1d1f', 'stroke-width': 1.5 }));
    for (const v of [e.low, e.high]) s.append(svg('line', { x1: x(v), x2: x(v), y1: y + 4, y2: y + 14, stroke: '#1d1d1f', 'stroke-width': 1.5 }));
    return `${fmt(e.value)} (95% interval ${fmt(e.low)} to ${fmt(e.high)})`;
  });
  s.setAttribute('aria-label', `${title}. ${said.join('; ')}`);
  fig.append(cap, s);
  return fig;
}

/**
 * The rows of a chart: each row's label, "no data" where it has no
 * estimate, else what `draw(est, y)` draws; returns what each row says for
 * the chart's accessible name.
 */
function plotRows(s, rows, left, row, draw) {
  return rows.map((r, k) => {
    const y = 8 + k * row;
    s.append(svg('text', { x: left - 6, y: y + 13, 'text-anchor': 'end', 'font-size': 11, fill: '#1d1d1f' }, r.label));
    if (!r.est) {
      s.append(svg('text', { x: left, y: y + 13, 'font-size': 11, fill: '#4d4d4d' }, 'no data'));
      return `${r.label}: no data`;
    }
    return `${r.label}: ${draw(r.est, y, r)}`;
  });
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

/** Says when the day's reports are not what honest widgets send. */
function plausibilityText(p) {
  const box = $('plausibility');
  const why = [];
  if (p?.metric_mix?.warning) {
    const m = p.metric_mix;
    const counts = Object.entries(m.per_metric).map(([k, n]) => `${k} ${n}`).join(', ');
    why.push(`the reports' metrics are not drawn evenly, as every widget draws them (χ² = ${m.statistic.toFixed(1)}, p = ${m.p_value.toPrecision(2)}; ${counts})`);
  }
  for (const x of p?.impossible_rates ?? []) {
    const which = x.bucket == null ? x.metric : `${x.metric} bucket ${x.bucket}`;
    why.push(`${which} has ${(100 * x.share).toFixed(1)}% ones where widgets give ${(100 * x.possible[0]).toFixed(1)}–${(100 * x.possible[1]).toFixed(1)}% (${x.n} values)`);
  }
  box.hidden = why.length === 0;
  box.textContent = why.length
    ? `These reports do not look like those of honest widgets: ${why.join('; ')}. Forged or broken senders may have moved the numbers below.`
    : '';
}

async function show(day, placement) {
  const q = new URLSearchParams({ day });
  if (placement) q.set('placement', placement);
  const r = await adminFetch(`/v1/stats?${q}`);
  $('plausibility').hidden = true;
  const charts = $('charts');
  const tbody = document.querySelector('#table tbody');
  charts.replaceChildren();
  tbody.replaceChildren();
  if (!r.ok) {
    $('summary').textContent = `The collector answered ${r.status}: ${(await r.json().catch(() => ({}))).error ?? ''}`;
    return;
  }
  const s = await r.json();
  plausibilityText(s.plausibility);
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

// ---- Experiments: /v1/experiments/{name}, arms side by side, uplift vs control.

/** The KPIs of an arm, in the order shown: [key, label, kind]. */
const KPIS = [
  ['ctr', 'CTR (clicks per impression)', 'rate'],
  ['add_to_cart_rate', 'add to cart per impression', 'rate'],
  ['conversion_rate', 'purchases per impression', 'rate'],
  ['dismissal_rate', 'dismissed per impression', 'rate'],
  ['order_rate', 'days with an order', 'rate'],
  ['order_value_per_day_cents', 'order value per exposed day', 'money'],
  ['order_value_mean_cents', 'average order', 'money'],
  ['relevance_mean', 'relevance (1–5)', 'plain'],
  ['purchases_per_day', 'recommended purchases per day', 'plain'],
  ['impressions_per_day', 'impressions per day', 'plain'],
  ['clicks_per_day', 'clicks per day (e-mail: landings)', 'plain'],
  ['add_to_cart_per_day', 'add to cart per day', 'plain'],
];
/** The KPIs with an uplift chart (the rest are in the cards and the table). */
const CHARTED = ['ctr', 'conversion_rate', 'order_rate', 'order_value_per_day_cents'];
const money = (cents) => `${cents < 0 ? '−' : ''}$${(Math.abs(cents) / 100).toFixed(2)}`;
const signed = (s) => (s.startsWith('−') || s.startsWith('-') ? s : `+${s}`);
/** How a KPI's value, and a difference of it, are written. */
const FORMAT = {
  rate: { value: pct, diff: (x) => signed(`${(100 * x).toFixed(1)} pts`) },
  money: { value: money, diff: (x) => signed(money(x)) },
  plain: { value: num, diff: (x) => signed(num(x)) },
};
const relative = (x) => signed(`${(100 * x).toFixed(0)}%`);
const range = (e, f) => `${f(e.low)} to ${f(e.high)}`;

const el = (tag, text, className) => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
};

/** What a verdict says, for the cards, the charts and the table. */
function verdictText(decision) {
  switch (decision?.verdict) {
    case 'higher': return 'higher than the control (peeking-safe)';
    case 'lower': return 'lower than the control (peeking-safe)';
    case 'inconclusive': return 'no difference the reports can tell';
    case 'keep_running': return 'keep running';
    default: return '—';
  }
}

/** How long the verdicts still wait, from the schedule. */
function scheduleText(a) {
  const left = a.sequential?.days_left;
  if (left == null) return 'Without a schedule in the served file, an undecided verdict says keep running until its peeking-safe interval excludes 0.';
  if (a.sequential.over) return 'The experiment\'s days are over: an undecided verdict is final (no difference the reports can tell).';
  return `Undecided verdicts say keep running: ${left} more day${left === 1 ? '' : 's'} of reports in the schedule (to ${a.scheduled.end}).`;
}
const decided = (d) => d?.verdict === 'higher' || d?.verdict === 'lower';

/**
 * Differences around a zero line: the dot, its 95% interval (thick) and
 * its peeking-safe interval (thin); rows: [{label, est, decision}].
 */
function forest(title, rows, fmt) {
  const fig = el('figure', undefined, 'uplift');
  const cap = el('figcaption', title);
  const W = 320, row = 26, left = 90, right = W - 10, H = rows.length * row + 28;
  const ends = (r) => [r.est.low, r.est.high, ...(r.decision ? [r.decision.difference.low, r.decision.difference.high] : [])];
  const reach = Math.max(1e-12, ...rows.flatMap((r) => (r.est ? ends(r).map(Math.abs) : [])));
  const mid = (left + right) / 2;
  const x = (v) => mid + (Math.max(-reach, Math.min(reach, v)) / reach) * ((right - left) / 2);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' });
  s.append(svg('line', { x1: mid, x2: mid, y1: 4, y2: H - 18, stroke: '#4d4d4d', 'stroke-dasharray': '3 3' }));
  s.append(svg('text', { x: mid, y: H - 4, 'text-anchor': 'middle', 'font-size': 10, fill: '#4d4d4d' }, 'no difference'));
  s.append(svg('text', { x: left, y: H - 4, 'font-size': 10, fill: '#4d4d4d' }, fmt(-reach)));
  s.append(svg('text', { x: right, y: H - 4, 'text-anchor': 'end', 'font-size': 10, fill: '#4d4d4d' }, fmt(reach)));
  const said = plotRows(s, rows, left, row, (e, y, r) => {
    const seq = r.decision?.difference;
    const colour = decided(r.decision) ? '#0b6e4f' : '#1d1d1f';
    if (seq) {
      s.append(svg('line', { x1: x(seq.low), x2: x(seq.high), y1: y + 9, y2: y + 9, stroke: colour, 'stroke-width': 1 }));
      for (const v of [seq.low, seq.high]) s.append(svg('line', { x1: x(v), x2: x(v), y1: y + 6, y2: y + 12, stroke: colour, 'stroke-width': 1 }));
    }
    s.append(svg('line', { x1: x(e.low), x2: x(e.high), y1: y + 9, y2: y + 9, stroke: colour, 'stroke-width': 4 }));
    s.append(svg('circle', { cx: x(e.value), cy: y + 9, r: 4.5, fill: colour, stroke: '#fff', 'stroke-width': 1 }));
    const safe = seq ? `, peeking-safe ${range(seq, fmt)}: ${verdictText(r.decision)}` : '';
    return `${fmt(e.value)} (95% interval ${range(e, fmt)}${safe})`;
  });
  s.setAttribute('aria-label', `${title}. ${said.join('; ')}`);
  fig.append(cap, s);
  return fig;
}

/** One arm's card: its KPIs and, for the others, the difference to the control. */
function armCard(arm, comparison, control) {
  const card = el('section', undefined, 'arm');
  const h = el('h3', arm.name);
  if (arm.name === control) h.append(' ', el('span', 'control', 'tag'));
  const kind = arm.kind ? `${arm.kind}, ` : '';
  const weight = arm.weight != null ? `weight ${arm.weight}, ` : '';
  card.append(h, el('p', `${kind}${weight}${arm.reports} reports`, 'meta'));
  const dl = el('dl');
  for (const [key, label, kind] of KPIS) {
    const est = arm.kpis[key];
    const f = FORMAT[kind];
    dl.append(el('dt', label));
    dl.append(el('dd', est ? `${f.value(est.value)} (95%: ${range(est, f.value)})` : 'no data'));
    const up = comparison?.kpis[key];
    if (up) {
      const d = up.difference;
      const decision = comparison.decisions?.[key];
      const text = `vs ${control}: ${f.diff(d.value)} (${range(d, f.diff)})` +
        (up.relative ? `, ${relative(up.relative.value)} (${range(up.relative, relative)})` : '') +
        (decision ? `; ${verdictText(decision)}` : '');
      dl.append(el('dd', text, decided(decision) ? 'uplift-clear' : 'uplift-unclear'));
    }
  }
  card.append(dl);
  return card;
}

function expRows(tbody, a) {
  for (const arm of a.arms) {
    const cmp = a.comparisons.find((c) => c.arm === arm.name);
    for (const [key, label, kind] of KPIS) {
      const f = FORMAT[kind];
      const est = arm.kpis[key];
      const up = cmp?.kpis[key];
      const decision = cmp?.decisions?.[key];
      const tr = document.createElement('tr');
      const head = el('th', arm.name);
      head.scope = 'row';
      tr.append(head);
      const cells = [
        label,
        est ? f.value(est.value) : '—',
        est ? range(est, f.value) : '—',
        est ? est.n : 0,
        up ? f.diff(up.difference.value) : arm.name === a.control ? 'control' : '—',
        up ? range(up.difference, f.diff) : '—',
        up?.relative ? relative(up.relative.value) : '—',
        up?.relative ? range(up.relative, relative) : '—',
        decision ? range(decision.difference, f.diff) : '—',
        decision ? verdictText(decision) : '—',
      ];
      for (const c of cells) tr.append(el('td', String(c)));
      tbody.append(tr);
    }
  }
}

function srmText(srm) {
  const arms = srm.arms.map((x) => `${x.name} ${x.reports} (expected ${x.expected.toFixed(0)})`).join(', ');
  return `χ² = ${srm.statistic.toFixed(2)} with ${srm.df} degree${srm.df === 1 ? '' : 's'} of freedom, p = ${srm.p_value.toPrecision(2)}; reports per arm: ${arms}`;
}

function dailyText(d) {
  return `Day by day, smallest p = ${d.worst_p_value.toPrecision(2)} on ${d.worst_day}, ${d.adjusted_p_value.toPrecision(2)} after correcting for ${d.days_tested} days ` +
    '(a device reports at most once a day, so each day\'s test is exact even when devices return; it has less power than the test over the whole range).';
}

async function showExperiment(name, from, to, control) {
  const q = new URLSearchParams();
  for (const [k, v] of [['from', from], ['to', to], ['control', control]]) if (v) q.set(k, v);
  const summary = $('exp-summary');
  const alert = $('exp-srm');
  const tbody = document.querySelector('#exp-table tbody');
  $('exp-arms').replaceChildren();
  $('exp-charts').replaceChildren();
  $('exp-chart-key').hidden = true;
  $('exp-daily-section').hidden = true;
  $('dur-fill').hidden = true;
  tbody.replaceChildren();
  alert.hidden = true;
  alert.textContent = '';
  $('exp-details').hidden = true;
  summary.textContent = `Loading ${name}…`;
  const r = await adminFetch(`/v1/experiments/${encodeURIComponent(name)}?${q}`);
  if (!r.ok) {
    summary.textContent = `The collector answered ${r.status}: ${(await r.json().catch(() => ({}))).error ?? ''}`;
    return;
  }
  const a = await r.json();
  const srm = a.srm;
  let check;
  if (!srm) check = `No sample-ratio check: ${a.srm_reason}.`;
  else if (srm.warning) {
    alert.textContent = `Sample ratio mismatch: the arms did not get the share of reports their weights give (${srmText(srm)}). ` +
      'Until the cause is found (bucketing, lost reports, or an arm that changes how often devices come back), the differences below are not trustworthy.' +
      (srm.daily && !srm.daily.warning ? ` ${dailyText(srm.daily)} Devices that report on many days can make the test over the whole range warn by themselves.` : '');
    alert.hidden = false;
    check = 'Sample-ratio check failed (see the warning).';
  } else {
    check = `Sample-ratio check passed: ${srmText(srm)}.` + (srm.daily?.warning ? ` But one day does not match: ${dailyText(srm.daily)}` : '');
  }
  const few = a.reports < 800 ? ' Few reports: each carries one metric, so the intervals are wide.' : '';
  const schedule = a.comparisons.length ? ` ${scheduleText(a)}` : '';
  summary.textContent = `${a.experiment}${a.placement ? ` on ${a.placement}` : ''}: ${a.reports} reports from ${a.from} to ${a.to}, ${a.arms.length} arms, compared with ${a.control}. ${check}${few}${schedule}`;
  for (const arm of a.arms) {
    $('exp-arms').append(armCard(arm, a.comparisons.find((c) => c.arm === arm.name), a.control));
  }
  if (a.comparisons.length) {
    for (const key of CHARTED) {
      const [, label, kind] = KPIS.find(([k]) => k === key);
      const rows = a.comparisons.map((c) => ({ label: c.arm, est: c.kpis[key]?.difference ?? null, decision: c.decisions?.[key] }));
      $('exp-charts').append(forest(`${label}: difference vs ${a.control}`, rows, FORMAT[kind].diff));
    }
    $('exp-chart-key').hidden = false;
  }
  $('exp-caption').textContent = `${a.experiment}, ${a.from} to ${a.to}: every arm against ${a.control}`;
  expRows(tbody, a);
  $('exp-details').hidden = false;
  showDaily(a);
  shown = a;
  $('dur-fill').hidden = false;
}

// ---- Day by day: one chart per KPI, one line per arm with its interval band.

/** Okabe–Ito colours (told apart with colour-blindness) and dashes, per arm. */
const ARM_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#8c6d00'];
const ARM_DASHES = ['', '7 4', '2 3', '9 3 2 3'];
const armStroke = (k) => ({ stroke: ARM_COLOURS[k % ARM_COLOURS.length], 'stroke-dasharray': ARM_DASHES[Math.floor(k / 2) % ARM_DASHES.length] || 'none' });
/** The KPIs drawn day by day, as `daily[].arms[]` has them. */
const DAILY = [
  ['ctr', 'CTR (clicks per impression)', 'rate'],
  ['conversion_rate', 'purchases per impression', 'rate'],
  ['order_rate', 'days with an order', 'rate'],
  ['order_value_per_day_cents', 'order value per exposed day', 'money'],
];
const dayNumber = (d) => Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10)) / 86_400_000;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
};

/**
 * One KPI day by day: a line per arm (broken where a day has no
 * estimate) over its 95% band. The y range holds every value and the
 * bands up to a few spreads beyond them: a day of very few reports has a
 * band far wider than the others, and it is cut at the edge instead of
 * flattening every line.
 */
function dailyChart(title, a, key, fmt) {
  const fig = el('figure', undefined, 'daily');
  const cap = el('figcaption', title);
  const W = 480, H = 220, left = 58, right = W - 12, top = 10, bottom = H - 34;
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' });
  const points = a.daily.flatMap((d) => d.arms.map((x) => x[key]).filter(Boolean));
  if (!points.length) {
    s.setAttribute('viewBox', `0 0 ${W} 40`);
    s.append(svg('text', { x: W / 2, y: 24, 'text-anchor': 'middle', 'font-size': 12, fill: '#4d4d4d' }, 'no data'));
    s.setAttribute('aria-label', `${title}: no data`);
    fig.append(cap, s);
    return fig;
  }
  const values = points.map((e) => e.value);
  const vlo = Math.min(...values), vhi = Math.max(...values);
  const spread = Math.max(vhi - vlo, 2 * median(points.map((e) => e.high - e.value)), Math.abs(vhi) * 1e-3, 1e-12);
  const lo = Math.max(Math.min(...points.map((e) => e.low)), vlo - spread);
  const hi = Math.min(Math.max(...points.map((e) => e.high)), vhi + spread);
  const first = dayNumber(a.daily[0].day), last = dayNumber(a.daily[a.daily.length - 1].day);
  const x = (day) => (last === first ? (left + right) / 2 : left + ((dayNumber(day) - first) / (last - first)) * (right - left));
  const y = (v) => bottom - ((Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo || 1)) * (bottom - top);
  for (const v of [lo, (lo + hi) / 2, hi]) {
    s.append(svg('line', { x1: left, x2: right, y1: y(v), y2: y(v), stroke: '#e3e3e3' }));
    s.append(svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#4d4d4d' }, fmt(v)));
  }
  if (lo < 0 && hi > 0) s.append(svg('line', { x1: left, x2: right, y1: y(0), y2: y(0), stroke: '#4d4d4d', 'stroke-dasharray': '3 3' }));
  const labels = a.daily.length > 2 ? [a.daily[0], a.daily[Math.floor((a.daily.length - 1) / 2)], a.daily[a.daily.length - 1]] : a.daily;
  labels.forEach((d, k) => {
    const anchor = labels.length === 1 ? 'middle' : k === 0 ? 'start' : k === labels.length - 1 ? 'end' : 'middle';
    s.append(svg('text', { x: x(d.day), y: H - 12, 'text-anchor': anchor, 'font-size': 11, fill: '#4d4d4d' }, d.day));
  });
  const said = a.arms.map((arm, k) => {
    // Runs of consecutive days with an estimate.
    const runs = [[]];
    for (const d of a.daily) {
      const e = d.arms[k]?.[key];
      if (e) runs[runs.length - 1].push([d.day, e]);
      else if (runs[runs.length - 1].length) runs.push([]);
    }
    const colour = ARM_COLOURS[k % ARM_COLOURS.length];
    for (const run of runs.filter((r) => r.length)) {
      const band = [...run.map(([d, e]) => `${x(d)},${y(e.high)}`), ...[...run].reverse().map(([d, e]) => `${x(d)},${y(e.low)}`)];
      s.append(svg('polygon', { points: band.join(' '), fill: colour, 'fill-opacity': 0.12, stroke: 'none' }));
      s.append(svg('polyline', { points: run.map(([d, e]) => `${x(d)},${y(e.value)}`).join(' '), fill: 'none', 'stroke-width': 2, ...armStroke(k) }));
      if (a.daily.length <= 60 || run.length === 1) {
        for (const [d, e] of run) s.append(svg('circle', { cx: x(d), cy: y(e.value), r: 2.5, fill: colour }));
      }
    }
    const seen = a.daily.map((d) => d.arms[k]?.[key]).filter(Boolean);
    if (!seen.length) return `${arm.name}: no data`;
    const latest = seen[seen.length - 1];
    const vs = seen.map((e) => e.value);
    return `${arm.name}: ${seen.length} day${seen.length === 1 ? '' : 's'}, from ${fmt(Math.min(...vs))} to ${fmt(Math.max(...vs))}, ` +
      `on the last ${fmt(latest.value)} (95% interval ${range(latest, fmt)})`;
  });
  s.setAttribute('aria-label', `${title}, ${a.daily[0].day} to ${a.daily[a.daily.length - 1].day}, by arm. ${said.join('; ')}. Every value is in the table below.`);
  fig.append(cap, s);
  return fig;
}

/** The legend, the charts and the table of `daily`. */
function showDaily(a) {
  const section = $('exp-daily-section');
  const charts = $('exp-daily');
  const tbody = document.querySelector('#exp-daily-table tbody');
  charts.replaceChildren();
  tbody.replaceChildren();
  section.hidden = !a.daily?.length;
  if (section.hidden) return;
  $('exp-legend').replaceChildren(...a.arms.map((arm, k) => {
    const li = el('li');
    const s = svg('svg', { width: 28, height: 10, viewBox: '0 0 28 10', 'aria-hidden': 'true' });
    s.append(svg('line', { x1: 1, x2: 27, y1: 5, y2: 5, 'stroke-width': 2.5, ...armStroke(k) }));
    li.append(s, arm.name + (arm.name === a.control ? ' (control)' : ''));
    return li;
  }));
  for (const [key, label, kind] of DAILY) charts.append(dailyChart(`${label} per day`, a, key, FORMAT[kind].value));
  $('exp-daily-caption').textContent = `${a.experiment}: each arm day by day, ${a.daily[0].day} to ${a.daily[a.daily.length - 1].day}`;
  const cell = (e, f) => (e ? `${f(e.value)} (${range(e, f)})` : '—');
  for (const d of a.daily) {
    for (const x of d.arms) {
      const tr = el('tr');
      const head = el('th', d.day);
      head.scope = 'row';
      tr.append(head);
      for (const c of [x.name, x.reports, cell(x.ctr, pct), cell(x.conversion_rate, pct), cell(x.order_rate, pct), cell(x.order_value_per_day_cents, money)]) {
        tr.append(el('td', String(c)));
      }
      tbody.append(tr);
    }
  }
}

// ---- The duration calculator: /v1/experiments/duration.

/** The analysis on screen, for "Use this experiment's numbers". */
let shown = null;

function durationFields() {
  $('dur-impressions').disabled = $('dur-metric').value !== 'ctr';
}

async function showDuration() {
  const v = (id) => $(id).value.trim();
  const q = new URLSearchParams({
    epsilon: v('dur-epsilon'),
    clients: v('dur-clients'),
    arms: v('dur-arms'),
    metric: v('dur-metric'),
    baseline: String(Number(v('dur-baseline')) / 100),
    effect: String(Number(v('dur-effect')) / 100),
  });
  if (v('dur-metric') === 'ctr') q.set('impressions', v('dur-impressions'));
  const out = $('dur-result');
  const chart = $('dur-chart');
  chart.replaceChildren();
  out.textContent = 'Computing…';
  const r = await adminFetch(`/v1/experiments/duration?${q}`);
  const d = await r.json().catch(() => ({}));
  if (!r.ok) {
    out.textContent = `The collector answered ${r.status}: ${d.error ?? ''}`;
    return;
  }
  const days = (n) => `${n.toLocaleString('en')} day${n === 1 ? '' : 's'}`;
  const i = d.inputs;
  const perArm = Math.round(Math.min(...d.reports_per_day)).toLocaleString('en');
  out.textContent = `With the privacy noise (ε = ${i.epsilon_per_report} per report): ${days(d.days_with_noise)}. ` +
    `Without it (the same reports carrying the true values, only the shoppers' own spread): ${days(d.days_without_noise)}. ` +
    `The noise costs ${days(d.days_with_noise - d.days_without_noise)}; no privacy budget gets these reports below ${days(d.days_at_unlimited_epsilon)}. ` +
    `(${perArm} reports a day in the smallest arm, a change of ${signed(`${(100 * d.difference).toPrecision(2)} pts`)} on ${(100 * i.baseline).toPrecision(3)}%.)`;
  const rows = [
    ['with the noise', d.days_with_noise],
    ['at unlimited ε', d.days_at_unlimited_epsilon],
    ['without noise', d.days_without_noise],
  ];
  chart.append(dayBars('Days needed', rows));
}

/** Horizontal bars of day counts; rows: [[label, days]]. */
function dayBars(title, rows) {
  const fig = el('figure', undefined, 'chart');
  const cap = el('figcaption', title);
  const W = 320, row = 26, left = 100, H = rows.length * row + 12;
  const hi = Math.max(1, ...rows.map(([, n]) => n));
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' });
  const said = plotRows(s, rows.map(([label, n]) => ({ label, est: { value: n } })), left, row, (e, y) => {
    const w = Math.max(1, (e.value / hi) * (W - left - 70));
    s.append(svg('rect', { x: left, y: y + 2, width: w, height: 14, fill: '#0b6e4f', rx: 2 }));
    s.append(svg('text', { x: left + w + 4, y: y + 13, 'font-size': 12, fill: '#1d1d1f' }, e.value.toLocaleString('en')));
    return `${e.value.toLocaleString('en')} days`;
  });
  s.setAttribute('aria-label', `${title}. ${said.join('; ')}`);
  fig.append(cap, s);
  return fig;
}

/** Fills the calculator in from the experiment on screen. */
function fillDuration() {
  if (!shown) return;
  const control = shown.arms.find((x) => x.name === shown.control);
  const days = shown.daily?.length || 1;
  $('dur-clients').value = String(Math.max(1, Math.round(shown.reports / days)));
  $('dur-arms').value = String(Math.max(2, shown.arms.length));
  const metric = $('dur-metric').value;
  const rate = control?.kpis[metric];
  if (rate && rate.value > 0) $('dur-baseline').value = (100 * rate.value).toPrecision(3);
  const imps = control?.kpis.impressions_per_day;
  if (metric === 'ctr' && imps && imps.value > 0) $('dur-impressions').value = Math.min(50, imps.value).toPrecision(3);
  showDuration();
}

/** Offers the served file's experiments, and fills in their days. */
async function offerExperiments() {
  const r = await adminFetch('/v1/experiments').catch(() => null);
  if (!r?.ok) return [];
  const { experiments } = await r.json();
  $('exp-names').replaceChildren(...experiments.map((x) => {
    const o = document.createElement('option');
    o.value = x.name;
    o.textContent = `${x.placement}, ${x.start} to ${x.end}`;
    return o;
  }));
  return experiments;
}

/** Channel attribution of a range of days (/v1/attribution). */
async function showAttribution(from, to) {
  const q = new URLSearchParams();
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  const r = await adminFetch(`/v1/attribution?${q}`).catch(() => null);
  const summary = $('att-summary');
  $('att-charts').replaceChildren();
  $('att-details').hidden = true;
  if (!r?.ok) {
    summary.textContent = r ? `No attribution: ${(await r.json().catch(() => ({}))).error ?? r.status}` : 'The collector did not answer.';
    return;
  }
  const a = await r.json();
  if (!a.estimate) {
    summary.textContent = `No journey reports from ${a.from} to ${a.to}.`;
    return;
  }
  const e = a.estimate;
  const fit = e.fit_chi2 / e.fit_df;
  summary.textContent = `${e.reports} journey reports from ${a.from} to ${a.to}: about ${e.point.conversions.toFixed(0)} conversions. `
    + `Fit of the chain: chi-square ${e.fit_chi2.toFixed(0)} on ${e.fit_df} degrees of freedom${fit > 1.2 ? ' — the journeys do not look like a first-order chain; read the Markov numbers with care' : ''}.`;
  const rows = (key) => e.point.channels.map((c, k) => ({
    label: c.channel,
    est: { value: c[key], low: e.intervals[k][key].lo, high: e.intervals[k][key].hi, n: e.reports },
  }));
  $('att-charts').append(
    chart('Conversions credited (Markov)', rows('markov_conversions'), (x) => x.toFixed(0)),
    chart('Removal effect', rows('removal_effect'), pct, 1),
  );
  const tbody = $('att-table').tBodies[0];
  tbody.replaceChildren(...e.point.channels.map((c, k) => {
    const iv = e.intervals[k];
    const tr = document.createElement('tr');
    for (const v of [c.channel, `${pct(c.removal_effect)} (${pct(iv.removal_effect.lo)} … ${pct(iv.removal_effect.hi)})`,
      `${c.markov_conversions.toFixed(0)} (${iv.markov_conversions.lo.toFixed(0)} … ${iv.markov_conversions.hi.toFixed(0)})`,
      c.first_touch.toFixed(0), c.last_touch.toFixed(0), c.linear.toFixed(0)]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    return tr;
  }));
  $('att-details').hidden = false;
}

const params = new URLSearchParams(location.search);
/** The page's query with `changes` applied, kept in the address bar. */
const remember = (changes) => {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) (v ? q.set(k, v) : q.delete(k));
  history.replaceState(null, '', `?${q}`);
};
$('day').value = params.get('day') ?? new Date().toISOString().slice(0, 10);
$('placement').value = params.get('placement') ?? '';
$('pick').addEventListener('submit', (e) => {
  e.preventDefault();
  remember({ day: $('day').value, placement: $('placement').value });
  show($('day').value, $('placement').value);
});
show($('day').value, $('placement').value);
$('auth').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('admin-token').value.trim());
  $('admin-token').value = '';
  $('auth').hidden = true;
  $('auth-status').textContent = '';
  show($('day').value, $('placement').value);
  known = offerExperiments();
  if ($('exp-name').value) showExperiment(...['exp-name', 'exp-from', 'exp-to', 'exp-control'].map((id) => $(id).value.trim()));
});

let known = offerExperiments();
$('exp-name').addEventListener('change', async () => {
  const x = (await known).find((e) => e.name === $('exp-name').value);
  if (x && !$('exp-from').value && !$('exp-to').value) {
    $('exp-from').value = x.start;
    $('exp-to').value = x.end;
  }
});
$('exp-pick').addEventListener('submit', (e) => {
  e.preventDefault();
  const [name, from, to, control] = ['exp-name', 'exp-from', 'exp-to', 'exp-control'].map((id) => $(id).value.trim());
  remember({ experiment: name, from, to, control });
  showExperiment(name, from, to, control);
});
for (const [id, key] of [['exp-name', 'experiment'], ['exp-from', 'from'], ['exp-to', 'to'], ['exp-control', 'control']]) {
  $(id).value = params.get(key) ?? '';
}
$('dur-metric').addEventListener('change', durationFields);
$('dur-form').addEventListener('submit', (e) => {
  e.preventDefault();
  showDuration();
});
$('dur-fill').addEventListener('click', fillDuration);
durationFields();
$('att-pick').addEventListener('submit', (e) => {
  e.preventDefault();
  showAttribution($('att-from').value, $('att-to').value);
});
showAttribution('', '');
if (params.get('experiment')) showExperiment(params.get('experiment'), params.get('from'), params.get('to'), params.get('control'));
