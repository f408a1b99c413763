import { type Html, html } from '../../http/html.ts';

/**
 * Server-rendered SVG charts (issue 14 item 4). No script and no `style` attribute (the strict CSP,
 * src/http/security-headers.ts, has no 'unsafe-inline'): geometry and colours are SVG presentation
 * attributes. Each chart is accessible: `role="img"` with a `<title>` and a `<desc>`, and its
 * numbers beside it as a table (the figure's caption names it), so nothing is only drawn.
 */

export interface Series {
  label: string;
  /** One value per point, percent 0–100; null where there is nothing to show (no traffic). */
  values: readonly (number | null)[];
  colour: string;
  /** How a value reads as text (table, description); percent unless said. */
  unit?: string;
}

/** Distinct in light and dark mode and for the common colour-vision deficiencies (blue, orange, purple). */
export const SERIES_COLOURS = ['#1f77b4', '#d95f02', '#7b3294'] as const;

const W = 640;
const H = 240;
const PAD = { left: 44, right: 16, top: 16, bottom: 48 };

function x(i: number, n: number): number {
  const span = W - PAD.left - PAD.right;
  return PAD.left + (n <= 1 ? span / 2 : (span * i) / (n - 1));
}

function y(value: number): number {
  const span = H - PAD.top - PAD.bottom;
  return PAD.top + span * (1 - Math.max(0, Math.min(100, value)) / 100);
}

const fmt = (v: number | null, unit = ' %') => (v === null ? '—' : `${v}${unit}`);
const round = (v: number) => Math.round(v * 10) / 10;

/** Runs of consecutive non-null points: a day without traffic breaks the line instead of drawing 0. */
function runs(values: readonly (number | null)[]): { i: number; v: number }[][] {
  const out: { i: number; v: number }[][] = [];
  let current: { i: number; v: number }[] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (current.length > 0) out.push(current);
      current = [];
    } else current.push({ i, v });
  });
  if (current.length > 0) out.push(current);
  return out;
}

function axes(labels: readonly string[]): Html {
  const n = labels.length;
  const ticks = [0, 25, 50, 75, 100];
  // At most about eight day labels, always the first and the last.
  const every = Math.max(1, Math.ceil(n / 8));
  return html`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>
${ticks.map(
  (t) =>
    html`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}" stroke="#d0d0d0" stroke-width="1"/><text x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11" fill="#333333">${t} %</text>`,
)}
${labels.map((label, i) =>
  (i % every === 0 && n - 1 - i >= every) || i === n - 1
    ? html`<text x="${round(x(i, n))}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11" fill="#333333">${label.slice(5)}</text>`
    : '',
)}`;
}

function legend(series: readonly Series[]): Html {
  return html`${series.map(
    (s, k) =>
      html`<rect x="${PAD.left + k * 150}" y="${H - 18}" width="12" height="12" fill="${s.colour}"/><text x="${PAD.left + k * 150 + 18}" y="${H - 8}" font-size="12" fill="#333333">${s.label}</text>`,
  )}`;
}

/** The numbers a chart draws, as a table: one row per point label, one column per series. */
function dataTable(id: string, caption: string, labels: readonly string[], series: readonly Series[]): Html {
  // A scrolling region beside the chart: focusable, so a keyboard can scroll a month of rows.
  return html`<div class="chart-data-scroll" role="region" tabindex="0" aria-label="${caption}: the numbers">
<table class="chart-data" id="${id}-data" data-testid="${id}-data">
<caption>${caption} (the chart’s numbers)</caption>
<thead><tr><th scope="col">Day</th>${series.map((s) => html`<th scope="col">${s.label}</th>`)}</tr></thead>
<tbody>${labels.map(
    (label, i) =>
      html`<tr><th scope="row">${label}</th>${series.map((s) => html`<td>${fmt(s.values[i] ?? null, s.unit)}</td>`)}</tr>`,
  )}</tbody>
</table>
</div>`;
}

function description(labels: readonly string[], series: readonly Series[]): string {
  if (labels.length === 0) return 'No days to show yet.';
  return `${labels[0]} to ${labels.at(-1)}. ${series
    .map((s) => `${s.label}: latest ${fmt(s.values.at(-1) ?? null, s.unit)}`)
    .join('; ')}.`;
}

/** A line chart of percentages over days (the 30-day history), with its data table. */
export function lineChart(input: {
  id: string;
  title: string;
  labels: readonly string[];
  series: readonly Series[];
}): Html {
  const { id, title, labels, series } = input;
  const n = labels.length;
  return html`<figure class="chart" data-testid="${id}">
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" class="chart-svg" data-testid="${id}-svg">
<title id="${id}-title">${title}</title>
<desc id="${id}-desc">${description(labels, series)}</desc>
${axes(labels)}
${series.map((s) =>
  runs(s.values).map((run) =>
    run.length === 1
      ? html`<circle cx="${round(x(run[0]!.i, n))}" cy="${round(y(run[0]!.v))}" r="3.5" fill="${s.colour}"/>`
      : html`<polyline fill="none" stroke="${s.colour}" stroke-width="2.5" points="${run.map((p) => `${round(x(p.i, n))},${round(y(p.v))}`).join(' ')}"/>`,
  ),
)}
${legend(series)}
</svg>
<figcaption>${title}</figcaption>
${dataTable(id, title, labels, series)}
</figure>`;
}

/** Grouped bars per day (the 7-day trend of the three figures), with its data table. */
export function barChart(input: {
  id: string;
  title: string;
  labels: readonly string[];
  series: readonly Series[];
}): Html {
  const { id, title, labels, series } = input;
  const n = Math.max(labels.length, 1);
  const slot = (W - PAD.left - PAD.right) / n;
  const bar = Math.min(22, (slot * 0.8) / Math.max(series.length, 1));
  return html`<figure class="chart" data-testid="${id}">
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" class="chart-svg" data-testid="${id}-svg">
<title id="${id}-title">${title}</title>
<desc id="${id}-desc">${description(labels, series)}</desc>
<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>
${[0, 25, 50, 75, 100].map(
  (t) =>
    html`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}" stroke="#d0d0d0" stroke-width="1"/><text x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11" fill="#333333">${t} %</text>`,
)}
${labels.map((label, i) => {
  const left = PAD.left + slot * i + (slot - bar * series.length) / 2;
  return html`<text x="${round(PAD.left + slot * (i + 0.5))}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11" fill="#333333">${label.slice(5)}</text>${series.map(
    (s, k) => {
      const v = s.values[i] ?? null;
      if (v === null) return '';
      const top = y(v);
      return html`<rect x="${round(left + k * bar)}" y="${round(top)}" width="${round(bar - 2)}" height="${round(y(0) - top)}" fill="${s.colour}"/>`;
    },
  )}`;
})}
${legend(series)}
</svg>
<figcaption>${title}</figcaption>
${dataTable(id, title, labels, series)}
</figure>`;
}

/**
 * A small trend line for a table cell (the program page), with the numbers as text right after it:
 * the SVG is named by its title, the text says the same for every reader.
 */
export function sparkline(input: { label: string; values: readonly (number | null)[] }): Html {
  const { label, values } = input;
  const w = 96;
  const h = 24;
  const n = values.length;
  const px = (i: number) => (n <= 1 ? w / 2 : 2 + ((w - 4) * i) / (n - 1));
  const py = (v: number) => 2 + (h - 4) * (1 - Math.max(0, Math.min(100, v)) / 100);
  const numbers = values.map((v) => (v === null ? '—' : String(v))).join(', ');
  return html`<span class="sparkline"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${label}: ${numbers || 'no days yet'}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}"><title>${label}: ${numbers || 'no days yet'}</title><rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>${runs(
    values,
  ).map((run) =>
    run.length === 1
      ? html`<circle cx="${round(px(run[0]!.i))}" cy="${round(py(run[0]!.v))}" r="2" fill="${SERIES_COLOURS[0]}"/>`
      : html`<polyline fill="none" stroke="${SERIES_COLOURS[0]}" stroke-width="1.5" points="${run.map((p) => `${round(px(p.i))},${round(py(p.v))}`).join(' ')}"/>`,
  )}</svg> <span class="sparkline-numbers">${numbers || 'no days yet'}</span></span>`;
}
