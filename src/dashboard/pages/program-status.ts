import type { FastifyInstance } from 'fastify';
import { addDays, dayOf } from '../../compliance/days.ts';
import { programStatus } from '../../compliance/status.ts';
import type { DailyFigures } from '../../compliance/status-types.ts';
import type { WardenContext } from '../../context.ts';
import { type Html, html } from '../../http/html.ts';
import { type ScoreSnapshot, snapshotsSince } from '../../security-score/history.ts';
import { type PageViewer, viewerOf } from '../guard.ts';
import { sendPage } from '../respond.ts';
import { sparkline } from '../views/charts.ts';
import { dashboardPage } from '../views/layout.ts';

export const PROGRAM_PAGE = '/dashboard/program/security';

const COLUMNS = {
  name: 'Partner',
  score: 'Score',
  met: 'Requirements met',
  a: 'A (accounts)',
  b1: 'B1 (dashboard)',
  b2: 'B2 (API)',
} as const;
type Column = keyof typeof COLUMNS;

interface Row {
  tenantId: string;
  name: string;
  latest: ScoreSnapshot | undefined;
  scores: ScoreSnapshot[];
  current: DailyFigures | undefined;
  compliant: boolean;
}

/**
 * The operator's program page (issue 14 item 4): every partner's latest daily score and figures,
 * sortable by any column and filterable to the non-compliant partners, both in the query string
 * and applied on the server, with each partner's 7-day score trend as a sparkline and its numbers.
 * Read from the stored daily snapshots and figures only (two reads for any number of partners).
 * A partner is non-compliant when its latest snapshot has an unmet requirement, or it has none yet.
 */
export function programStatusPages(app: FastifyInstance, ctx: WardenContext): void {
  app.get<{ Querystring: Record<string, string | undefined> }>(
    PROGRAM_PAGE,
    { config: { dashboardPage: { operation: 'program.security.view', area: 'program' } } },
    async (req, reply) => {
      // The gate admits the operator tenant's admins only (AREA_TENANT_KIND, guard.ts).
      const viewer = viewerOf(req);
      const q = req.query ?? {};
      const sort = (q.sort ?? 'name') as Column;
      const dir = q.dir ?? 'asc';
      const filter = q.filter ?? 'all';
      if (
        !Object.hasOwn(COLUMNS, sort) ||
        (dir !== 'asc' && dir !== 'desc') ||
        (filter !== 'all' && filter !== 'noncompliant')
      )
        return sendPage(
          reply,
          400,
          dashboardPage(
            'Program security',
            html`<p>Sort by one of ${Object.keys(COLUMNS).join(', ')} (dir asc or desc), filter all or noncompliant. <a href="${PROGRAM_PAGE}">Show every partner</a></p>`,
            viewer,
            PROGRAM_PAGE,
          ),
        );
      const now = ctx.clock.now();
      const partners = await programStatus(ctx.db, now);
      const snapshots = await snapshotsSince(
        ctx.db,
        partners.map((p) => p.tenantId),
        addDays(dayOf(now), -6),
      );
      let rows: Row[] = partners.map((p) => {
        const scores = snapshots.get(p.tenantId) ?? [];
        const latest = scores.at(-1);
        return {
          tenantId: p.tenantId,
          name: p.displayName,
          latest,
          scores,
          current: p.current,
          compliant:
            latest !== undefined && latest.compliantRequirementsCount === latest.totalRequirementsCount,
        };
      });
      if (filter === 'noncompliant') rows = rows.filter((r) => !r.compliant);
      rows.sort(order(sort, dir));
      return sendPage(reply, 200, render(viewer, rows, { sort, dir, filter }));
    },
  );
}

function cellValue(row: Row, column: Column): string | number | null {
  switch (column) {
    case 'name':
      return row.name.toLowerCase();
    case 'score':
      return row.latest?.score ?? null;
    case 'met':
      return row.latest ? row.latest.compliantRequirementsCount : null;
    default:
      return row.current?.[column].percent ?? null;
  }
}

/** Sorted by the column (rows without a value last, either way), then by name and id. */
function order(column: Column, dir: 'asc' | 'desc') {
  return (x: Row, y: Row): number => {
    const a = cellValue(x, column);
    const b = cellValue(y, column);
    if (a === null && b !== null) return 1;
    if (b === null && a !== null) return -1;
    const by = a === null || b === null || a === b ? 0 : (a < b ? -1 : 1) * (dir === 'asc' ? 1 : -1);
    return by || x.name.localeCompare(y.name) || x.tenantId.localeCompare(y.tenantId);
  };
}

function link(q: { sort: Column; dir: string; filter: string }): string {
  return `${PROGRAM_PAGE}?sort=${q.sort}&dir=${q.dir}&filter=${q.filter}`;
}

function heading(column: Column, q: { sort: Column; dir: string; filter: string }): Html {
  const current = q.sort === column;
  const next = current && q.dir === 'asc' ? 'desc' : 'asc';
  return html`<th scope="col"${current ? html` aria-sort="${q.dir === 'asc' ? 'ascending' : 'descending'}"` : ''}><a href="${link({ ...q, sort: column, dir: next })}" data-sort="${column}">${COLUMNS[column]}</a></th>`;
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v} %`);

function render(viewer: PageViewer, rows: Row[], q: { sort: Column; dir: string; filter: string }): string {
  const body = rows.map(
    (r) =>
      html`<tr data-partner="${r.tenantId}"><td>${r.name}</td><td data-testid="score">${r.latest ? String(r.latest.score) : '—'}</td><td>${
        r.latest
          ? html`${r.latest.compliantRequirementsCount} of ${r.latest.totalRequirementsCount}${r.compliant ? '' : html` <span class="status-noncompliant">not compliant</span>`}`
          : html`<span class="status-noncompliant">not computed yet</span>`
      }</td><td>${pct(r.current?.a.percent)}</td><td>${pct(r.current?.b1.percent)}</td><td>${pct(r.current?.b2.percent)}</td><td>${sparkline(
        {
          label: `${r.name}, security score over the last 7 days`,
          values: r.scores.map((s) => s.score),
        },
      )}</td></tr>`,
  );
  const headings = (Object.keys(COLUMNS) as Column[]).map((c) => heading(c, q));
  return dashboardPage(
    'Program security',
    html`<p>Every partner’s latest daily security score and security requirements figures (the 7 days ending with the newest calculation, UTC).</p>
<p data-testid="filter">${
      q.filter === 'noncompliant'
        ? html`Showing non-compliant partners only. <a href="${link({ ...q, filter: 'all' })}">Show every partner</a>`
        : html`Showing every partner. <a href="${link({ ...q, filter: 'noncompliant' })}">Show non-compliant partners only</a>`
    }</p>
${
  rows.length === 0
    ? html`<p class="muted">No partner to show.</p>`
    : html`<table data-testid="program-table">
<thead><tr>${headings}<th scope="col">Score, last 7 days</th></tr></thead>
<tbody>${body}</tbody>
</table>`
}`,
    viewer,
    PROGRAM_PAGE,
  );
}
