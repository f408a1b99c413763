import { addDays, dayOf, lastCompleteDay } from '../../compliance/days.ts';
import type { NonMfaPrincipal } from '../../compliance/downloads.ts';
import type { DailyFigures, Figure, FigureReason } from '../../compliance/status-types.ts';
import { mayNameCustomerAdmins } from '../../delegated-admin/customer-insight-access.ts';
import { type Html, html } from '../../http/html.ts';
import type { SecurityContact } from '../../security-score/contact.ts';
import type { ScoreSnapshot } from '../../security-score/history.ts';
import type { SecurityRequirement } from '../../security-score/requirements.ts';
import type { ScoreReport } from '../../security-score/score.ts';
import { barChart, lineChart, SERIES_COLOURS, type Series } from '../views/charts.ts';
import { dashboardPage, table, type Viewer } from '../views/layout.ts';

/** The pieces of the "Security requirements" page (issue 14 item 4): server-rendered, no script. */

export const REQUIREMENTS_PAGE = '/dashboard/security/requirements';
export const DOWNLOADS = {
  portal: `${REQUIREMENTS_PAGE}/portal-requests-without-mfa.csv`,
  summary: `${REQUIREMENTS_PAGE}/api-requests-summary.csv`,
  requests: `${REQUIREMENTS_PAGE}/all-api-requests.csv`,
} as const;

const REQUIREMENT_LABELS: Record<SecurityRequirement['requirementType'], [name: string, next: string]> = {
  mfaEnforcedForAdmins: [
    'MFA for every administrator of your tenant',
    'Turn on security defaults or the policy requiring MFA, and have each administrator listed below register an MFA method.',
  ],
  mfaEnforcedForAdminsOfCustomers: [
    'MFA for the administrators of your customers',
    'Ask each customer listed below to turn on security defaults and have its administrators register an MFA method.',
  ],
  securityAlertsPromptlyResolved: [
    'Security alerts resolved within 24 hours',
    'Open Security alerts and resolve every alert within 24 hours of its detection.',
  ],
  securityContactProvided: ['A security contact on file', 'Enter your security contact in the form below.'],
};

/** What each reason a figure is below 100 % means (SPEC §11, reference §4.1). */
export const REASON_LABELS: Record<string, string> = {
  noPolicy: 'Neither security defaults nor a policy requiring MFA is on',
  securityDefaultsRiskOnly:
    'Security defaults ask users without an administrator role for MFA only on risky sign-ins',
  registrationWindow: 'Inside the 14-day window security defaults give to register for MFA',
  excludedUser: 'Excluded from the MFA policy',
  federatedNoMfaClaim: 'Signed in through a federated identity provider that sends no MFA claim',
  technicalException: 'Admitted without MFA under an approved technical exception',
  requestsWithoutMfa: 'Requests made without the MFA proof',
  noMethodRegistered: 'MFA is required but no method is registered yet',
};

function status(r: { complianceStatus: string }): Html {
  return r.complianceStatus === 'compliant'
    ? html`<span class="status-compliant" data-status="compliant">Compliant</span>`
    : html`<span class="status-noncompliant" data-status="nonCompliant">Not compliant</span>`;
}

function percent(f: Figure | undefined): string {
  if (!f || f.percent === null) return '—';
  return `${f.percent} %`;
}

function requirementsTable(requirements: readonly SecurityRequirement[]): Html {
  return table(
    ['Requirement', 'Status', 'Score', 'What to do next'],
    requirements.map((r) => {
      const [name, next] = REQUIREMENT_LABELS[r.requirementType];
      return html`<tr data-requirement="${r.requirementType}"><td>${name}</td><td>${status(r)}</td><td>${r.score} / ${r.maxScore}</td><td>${
        r.complianceStatus === 'compliant'
          ? 'Nothing: keep it this way.'
          : html`${next} <a href="${r.actionUrl}">Fix it</a>`
      }</td></tr>`;
    }),
    'No requirements.',
  );
}

function reasonsList(reasons: readonly FigureReason[]): Html {
  if (reasons.length === 0) return html`<span class="muted">none</span>`;
  return html`<ul>${reasons.map((r) => html`<li data-reason="${r.code}">${REASON_LABELS[r.code] ?? r.code}: ${r.count}</li>`)}</ul>`;
}

function figuresTable(current: DailyFigures | undefined): Html {
  if (!current)
    return html`<p class="muted" data-testid="no-figures">The figures are calculated every day for the previous 7 days; the first calculation has not run yet.</p>`;
  const row = (key: 'a' | 'b1' | 'b2', name: string, unit: string) => {
    const f = current[key];
    return html`<tr data-figure="${key}"><th scope="row">${name}</th><td data-testid="figure-${key}">${percent(f)}</td><td>${f.numerator} of ${f.denominator} ${unit}${
      f.underException > 0 ? html` (${f.underException} under a technical exception)` : ''
    }</td><td>${f.percent === 100 || f.percent === null ? '' : reasonsList(current.reasons[key])}</td></tr>`;
  };
  return html`<p>Figures for the 7 days from ${current.windowStart} to ${current.day} (UTC).</p>
<table>
<thead><tr><th scope="col">Figure</th><th scope="col">Percent</th><th scope="col">Count</th><th scope="col">Why below 100 %</th></tr></thead>
<tbody>
${row('a', 'A. Enabled accounts with MFA enforced', 'accounts')}
${row('b1', 'B1. Dashboard operations with MFA', 'operations')}
${row('b2', 'B2. App+User API requests with MFA', 'requests')}
</tbody>
</table>`;
}

/** Every day of the last `days` ending with the newest stored (or yesterday), oldest first. */
function dayRange(history: readonly DailyFigures[], now: number, days: number): string[] {
  const newest = history.at(-1)?.day;
  const yesterday = lastCompleteDay(now);
  const end = newest && newest > yesterday ? newest : yesterday;
  return Array.from({ length: days }, (_, i) => addDays(end, i - days + 1));
}

function figureSeries(labels: readonly string[], history: readonly DailyFigures[]): Series[] {
  const byDay = new Map(history.map((f) => [f.day, f]));
  const of = (key: 'a' | 'b1' | 'b2') => labels.map((d) => byDay.get(d)?.[key].percent ?? null);
  return [
    { label: 'A (accounts)', values: of('a'), colour: SERIES_COLOURS[0] },
    { label: 'B1 (dashboard)', values: of('b1'), colour: SERIES_COLOURS[1] },
    { label: 'B2 (API)', values: of('b2'), colour: SERIES_COLOURS[2] },
  ];
}

function principalsTable(rows: readonly NonMfaPrincipal[], empty: string): Html {
  return table(
    ['Account', 'Object id', 'Last request without MFA (UTC)'],
    rows.map(
      (p) =>
        html`<tr><td>${p.upn}</td><td><code>${p.objectId}</code></td><td>${p.lastNonMfaCompliantRequestDateTime.slice(0, 19).replace('T', ' ')}</td></tr>`,
    ),
    empty,
  );
}

export interface ContactForm {
  values: { name: string; email: string; phone: string };
  error?: { field: string; message: string };
  saved?: boolean;
}

function contactForm(
  csrf: string,
  contact: SecurityContact | undefined,
  form: ContactForm | undefined,
): Html {
  const v = form?.values ?? {
    name: contact?.name ?? '',
    email: contact?.email ?? '',
    phone: contact?.phone ?? '',
  };
  const err = (field: string) =>
    form?.error?.field === field
      ? html`<p class="field-error" id="contact-${field}-error" data-testid="contact-error">${form.error.message}</p>`
      : '';
  const described = (field: string) =>
    form?.error?.field === field ? html` aria-invalid="true" aria-describedby="contact-${field}-error"` : '';
  return html`<section id="contact" aria-labelledby="contact-title">
<h2 id="contact-title">Security contact</h2>
${contact ? html`<p data-testid="contact-on-file">On file: ${contact.name}, ${contact.email}, ${contact.phone}.</p>` : html`<p data-testid="contact-missing">No security contact on file.</p>`}
<form method="post" action="${REQUIREMENTS_PAGE}/contact" class="contact">
<input type="hidden" name="csrf" value="${csrf}">
<label for="contact-name">Name</label><input id="contact-name" name="name" value="${v.name}" maxlength="120" required${described('name')}>${err('name')}
<label for="contact-email">Email</label><input id="contact-email" name="email" type="email" value="${v.email}" maxlength="254" required${described('email')}>${err('email')}
<label for="contact-phone">Phone</label><input id="contact-phone" name="phone" type="tel" value="${v.phone}" maxlength="25" required${described('phone')}>${err('phone')}
<p><button type="submit">Save the security contact</button></p>
</form>
</section>`;
}

export interface RequirementsView {
  report: ScoreReport;
  figures: { current: DailyFigures | undefined; history: DailyFigures[] };
  scores: ScoreSnapshot[];
  portal: NonMfaPrincipal[];
  api: NonMfaPrincipal[];
  contact: SecurityContact | undefined;
  /** Issue 15 item 2: whether a privileged user's first MFA registration needs a Temporary Access Pass. */
  firstRegistrationRequiresTap: boolean;
  now: number;
  /** SPEC §12: the session was admitted without MFA under a technical exception (the gate's mark). */
  underException: boolean;
  form?: ContactForm;
}

/** Issue 15 item 2: the recommended setting, and how to turn it on (docs/authentication-methods.md). */
function firstRegistrationRecommendation(on: boolean) {
  return html`<section id="first-registration" aria-labelledby="first-registration-title">
<h2 id="first-registration-title">First registration with a Temporary Access Pass</h2>
${
  on
    ? html`<p data-testid="first-registration-tap">On: an administrator or partner agent registers a first MFA method only after signing in with a Temporary Access Pass, so a leaked password alone cannot register an attacker’s authenticator.</p>`
    : html`<p data-testid="first-registration-tap"><strong>Recommended:</strong> off now. Whoever learns the password of an administrator or partner agent who has not registered yet can register their own authenticator. Turn it on with <code>warden methods first-registration-tap enable</code> (Graph: <code>PATCH /v1.0/policies/authenticationMethodsPolicy</code>), then give new administrators a Temporary Access Pass (<code>warden methods tap create</code>).</p>`
}
</section>`;
}

export function renderRequirements(viewer: Viewer, v: RequirementsView): string {
  const { report } = v;
  const open = report.requirements.length - report.compliantRequirementsCount;
  const month = dayRange(v.figures.history, v.now, 30);
  const week = month.slice(-7);
  const scoreByDay = new Map(v.scores.map((s) => [s.day, s.score]));
  // Snapshots are taken on the day itself (history.ts): the score's 30 days end today.
  const scoreDays = Array.from({ length: 30 }, (_, i) => addDays(dayOf(v.now), i - 29));
  const customersLacking = report.customers.filter((c) => c.mfa.adminsRequiredNotUsingMfaCount > 0);
  const named = mayNameCustomerAdmins({ underException: v.underException });
  return dashboardPage(
    'Security requirements',
    html`<p>Your security score: <span class="score" data-testid="security-score">${report.score.currentScore}</span> of ${report.score.maxScore}. ${report.compliantRequirementsCount} ${report.compliantRequirementsCount === 1 ? 'requirement' : 'requirements'} met, <span data-testid="open-requirements">${open}</span> open.</p>
${requirementsTable(report.requirements)}

<h2>Security requirements status</h2>
${figuresTable(v.figures.current)}
${barChart({ id: 'trend-7', title: 'The three figures, last 7 days', labels: week, series: figureSeries(week, v.figures.history) })}
${lineChart({ id: 'history-30', title: 'The three figures, last 30 days', labels: month, series: figureSeries(month, v.figures.history) })}
${lineChart({
  id: 'score-30',
  title: 'Security score, last 30 days',
  labels: scoreDays,
  series: [
    {
      label: 'Score',
      values: scoreDays.map((d) => scoreByDay.get(d) ?? null),
      colour: SERIES_COLOURS[0],
      unit: ' of 100',
    },
  ],
})}

<h2>Accounts behind requests without MFA</h2>
<h3>Dashboard (figure B1)</h3>
${principalsTable(v.portal, 'Every dashboard operation of the last 7 days had MFA.')}
<h3>App+User API (figure B2)</h3>
${principalsTable(v.api, 'Every App+User API request of the last 7 days had MFA.')}

<h2>Downloads</h2>
<ul data-testid="downloads">
<li><a href="${DOWNLOADS.portal}" download>Portal requests without MFA (CSV)</a></li>
<li><a href="${DOWNLOADS.summary}" download>API requests summary (CSV)</a></li>
<li><a href="${DOWNLOADS.requests}" download>All API requests, the 10,000 most recent (CSV)</a></li>
</ul>

<section id="admins" aria-labelledby="admins-title">
<h2 id="admins-title">Your administrators without MFA</h2>
${table(
  ['Administrator', 'Why'],
  report.admins.adminsWithoutMfa.map(
    (a) => html`<tr><td>${a.userPrincipalName}</td><td>${REASON_LABELS[a.reason] ?? a.reason}</td></tr>`,
  ),
  'Every enabled administrator uses MFA.',
)}
</section>

<section id="customers" aria-labelledby="customers-title">
<h2 id="customers-title">Customers whose administrators lack MFA</h2>
${named ? '' : html`<p class="muted" data-testid="customer-admins-counted">This session was admitted without MFA under a technical exception: your customers’ administrators are counted here, not named. Sign in with MFA to see who they are.</p>`}
${table(
  ['Customer', 'Tenant id', 'Administrators without MFA', 'Security defaults'],
  customersLacking.map(
    (c) =>
      html`<tr data-customer="${c.tenantId}"><td>${c.companyName}</td><td><code>${c.tenantId}</code></td><td>${named ? c.mfa.adminsWithoutMfa.map((a) => a.userPrincipalName).join(', ') : String(c.mfa.adminsRequiredNotUsingMfaCount)}</td><td>${c.mfa.securityDefaultsStatus}</td></tr>`,
  ),
  'The administrators of every customer use MFA.',
)}
</section>

${v.underException ? html`<p class="muted" data-testid="contact-needs-mfa">Saving the security contact needs a session with MFA: the technical exception covers reading this page only.</p>` : ''}
${firstRegistrationRecommendation(v.firstRegistrationRequiresTap)}

${contactForm(viewer.session.csrf, v.contact, v.form)}`,
    viewer,
    REQUIREMENTS_PAGE,
  );
}
