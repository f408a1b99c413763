import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../authentication-methods/passwords.ts';
import { addTotpMethod } from '../authentication-methods/totp.ts';
import type { WardenContext } from '../context.ts';
import { createApplication } from '../directory/applications.ts';
import { addGroupMemberByName } from '../directory/groups.ts';
import type { DirectoryRole, PartnerAgentGroup } from '../directory/roles.ts';
import { createTenant } from '../directory/tenants.ts';
import { setUsageLocation } from '../directory/usage-locations.ts';
import { checkedProfile } from '../directory/user-profile.ts';
import { createUser, type UserProfile } from '../directory/users.ts';
import { WARDEN_CLI_APPLICATION } from '../onboarding/first-party-applications.ts';
import { consentApplication } from '../service-principals/service-principals.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import { withFirstStartLock } from '../storage/first-start-lock.ts';
import { GRAPH_API, PARTNER_API } from '../tokens/audiences.ts';
import { seedAlertsDemo } from './alerts-demo-data.ts';
import { seedExposedApiDemo } from './api-demo-data.ts';
import { seedComplianceDemo } from './compliance-demo-data.ts';
import { seedConsentDemo } from './consent-demo-data.ts';
import { seedGdapDemo } from './gdap-demo-data.ts';
import { seedPartnerData } from './partner-demo-data.ts';
import { seedServicePrincipalSignIns } from './service-principal-sign-in-demo-data.ts';

/**
 * The demo applications' application ids: fixed GUIDs, so that docs and scripts can name them;
 * each keeps its readable name as client id alias (tokens/client-id-aliases.ts). The first-party
 * `warden-cli` has its own fixed id (onboarding/first-party-applications.ts).
 */
export const DEMO_APPLICATION_IDS = {
  'contoso-automation': 'c0a1b2c3-0d0e-4f00-a000-00000000a001',
  'contoso-sam': 'c0a1b2c3-0d0e-4f00-a000-00000000a002',
} as const;

/** The demo TOTP seed of issue 2 item 11 (a public value: demo only). */
export const DEMO_TOTP_SEED = 'JBSWY3DPEHPK3PXP';

interface DemoUser {
  upn: string;
  name: [given: string, family: string];
  groups?: PartnerAgentGroup[];
  roles?: DirectoryRole[];
  totp?: boolean;
  /** Graph's contact and job properties, so `/me` and `/users` show them filled (issue 13 item 2). */
  profile?: Partial<UserProfile>;
  usageLocation?: string;
}

export interface DemoData {
  password: string;
  baseUrl: string;
  tenants: Record<
    string,
    { id: string; domain: string; kind: string; programType?: string; securityDefaults: boolean }
  >;
  users: Record<string, { id: string; tenant: string; totpSeed?: string; groups: string[]; roles: string[] }>;
  /**
   * The demo's clients by their client id alias (`contoso-automation`): `clientId` is the
   * application id (a GUID), which tokens, logs and Graph show; the alias works as `client_id` too.
   */
  clients: Record<
    string,
    {
      clientId: string;
      clientIdAlias: string;
      tenant: string;
      clientSecret?: string;
      redirectUris?: string[];
    }
  >;
  /** APIs exposed by demo applications (issue 13, docs/resources.md), by name. */
  apis: Record<string, { appId: string; identifierUri: string }>;
  /** Partner Center customer ids by customer domain. */
  customers: Record<string, string>;
}

/** What creating the demo data uses of a Warden context: `db` may be a transaction. */
export type DemoContext = Pick<WardenContext, 'db' | 'dbKind' | 'clock' | 'config' | 'secrets'>;

/**
 * Creates the demo data set once (empty database only) and writes it, with every credential, to
 * demo.json. Of several instances starting at once on a new database, the one that gets the
 * first-start lock first creates it; the others find it there and create nothing (issue 9 item 7).
 */
export async function seedDemoData(ctx: DemoContext): Promise<DemoData | undefined> {
  if (await hasTenants(ctx.db)) return undefined;
  const demo = await withFirstStartLock(ctx.db, async (db) =>
    (await hasTenants(db)) ? undefined : insertDemoData({ ...ctx, db }),
  );
  if (demo) writeDemoFile(ctx.config.dataDir, demo);
  return demo;
}

async function hasTenants(db: Db): Promise<boolean> {
  return (await db.selectFrom('tenants').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** demo.json in the data dir: every demo credential, readable by its owner only. */
export function writeDemoFile(dataDir: string, demo: DemoData): void {
  writeFileSync(join(dataDir, 'demo.json'), `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Inserts the demo tenants, users, clients and partner data into an empty database, all in the
 * caller's transaction (`warden demo reset` wipes and re-inserts in one), and returns the credentials.
 */
export async function insertDemoData(ctx: DemoContext): Promise<DemoData> {
  const now = ctx.clock.now();
  const passwordHash = await hashPassword(ctx.config.demoPassword);
  const out: DemoData = {
    password: ctx.config.demoPassword,
    baseUrl: ctx.config.baseUrl,
    tenants: {},
    users: {},
    clients: {},
    apis: {},
    customers: {},
  };

  await inTransaction(ctx.db, async (db) => {
    const tenant = async (key: string, input: Parameters<typeof createTenant>[1]) => {
      const t = await createTenant(db, input, now);
      out.tenants[key] = {
        id: t.id,
        domain: t.domain,
        kind: t.kind,
        ...(t.program_type ? { programType: t.program_type } : {}),
        securityDefaults: t.security_defaults === 1,
      };
      return t;
    };
    const operator = await tenant('operator', {
      kind: 'operator',
      displayName: 'Warden Operator',
      domain: 'operator.example',
      securityDefaults: true,
    });
    const contoso = await tenant('contoso', {
      kind: 'partner',
      programType: 'csp-direct',
      displayName: 'Contoso',
      domain: 'contoso.example',
      securityDefaults: true,
    });
    const fabrikam = await tenant('fabrikam', {
      kind: 'partner',
      programType: 'csp-indirect-reseller',
      displayName: 'Fabrikam',
      domain: 'fabrikam.example',
      securityDefaults: false,
    });
    const northwind = await tenant('northwind', {
      kind: 'customer',
      displayName: 'Northwind Traders',
      domain: 'northwind.example',
      partnerTenantId: contoso.id,
    });
    const adatum = await tenant('adatum', {
      kind: 'customer',
      displayName: 'Adatum',
      domain: 'adatum.example',
      partnerTenantId: contoso.id,
    });
    const tailspin = await tenant('tailspin', {
      kind: 'customer',
      displayName: 'Tailspin Toys',
      domain: 'tailspin.example',
      partnerTenantId: fabrikam.id,
    });
    const woodgrove = await tenant('woodgrove', {
      kind: 'customer',
      displayName: 'Woodgrove Bank',
      domain: 'woodgrove.example',
      partnerTenantId: contoso.id,
    });
    const proseware = await tenant('proseware', {
      kind: 'customer',
      displayName: 'Proseware',
      domain: 'proseware.example',
      partnerTenantId: fabrikam.id,
    });

    const users: [string, DemoUser][] = [
      [
        contoso.id,
        {
          upn: 'jane@contoso.example',
          name: ['Jane', 'Doe'],
          groups: ['AdminAgents'],
          roles: ['Global Administrator'],
          totp: true,
          profile: {
            mail: 'jane@contoso.example',
            businessPhones: ['+1 425 555 0100'],
            jobTitle: 'Partner Administrator',
            mobilePhone: '+1 425 555 0199',
            officeLocation: 'Redmond 18/2101',
            preferredLanguage: 'en-US',
          },
          usageLocation: 'US',
        },
      ],
      [contoso.id, { upn: 'sam@contoso.example', name: ['Sam', 'Sales'], groups: ['SalesAgents'] }],
      [contoso.id, { upn: 'hal@contoso.example', name: ['Hal', 'Helpdesk'], groups: ['HelpdeskAgents'] }],
      [
        contoso.id,
        { upn: 'bill@contoso.example', name: ['Bill', 'Billing'], roles: ['Billing Administrator'] },
      ],
      [
        contoso.id,
        { upn: 'sky@contoso.example', name: ['Sky', 'Security'], roles: ['Security Administrator'] },
      ],
      [fabrikam.id, { upn: 'john@fabrikam.example', name: ['John', 'Smith'], groups: ['AdminAgents'] }],
    ];
    for (const [tenantId, u] of users) {
      const user = await createUser(
        db,
        tenantId,
        {
          userPrincipalName: u.upn,
          displayName: `${u.name[0]} ${u.name[1]}`,
          givenName: u.name[0],
          surname: u.name[1],
          passwordHash,
          directoryRoles: u.roles ?? [],
          ...(u.profile ? { profile: checkedProfile(u.profile) } : {}),
        },
        now,
      );
      if (u.usageLocation) await setUsageLocation(db, tenantId, user.id, u.usageLocation);
      for (const group of u.groups ?? []) await addGroupMemberByName(db, tenantId, group, user.id);
      if (u.totp) await addTotpMethod(db, ctx.secrets, tenantId, user.id, DEMO_TOTP_SEED, now);
      out.users[u.upn] = {
        id: user.id,
        tenant: tenantId,
        ...(u.totp ? { totpSeed: DEMO_TOTP_SEED } : {}),
        groups: u.groups ?? [],
        roles: u.roles ?? [],
      };
    }

    const customer = (
      t: { id: string; display_name: string; domain: string },
      city: string,
      delegatedAdmin: 'none' | 'dap',
      orders: [string, number][],
      users: [string, string, string][],
    ) => ({
      tenantId: t.id,
      companyName: t.display_name,
      domain: t.domain,
      country: 'US',
      city,
      delegatedAdmin,
      orders,
      users,
    });
    const seeded = await seedPartnerData(
      db,
      [
        {
          id: contoso.id,
          customers: [
            customer(
              northwind,
              'Seattle',
              'dap',
              [
                ['WRD-BUS-PREM', 25],
                ['WRD-MAIL-1', 25],
              ],
              [
                ['admin@northwind.example', 'Nancy', 'Davolio'],
                ['andrew@northwind.example', 'Andrew', 'Fuller'],
                ['janet@northwind.example', 'Janet', 'Leverling'],
              ],
            ),
            customer(
              adatum,
              'Redmond',
              'none',
              [['WRD-BUS-BASIC', 10]],
              [
                ['admin@adatum.example', 'Ada', 'Tum'],
                ['kim@adatum.example', 'Kim', 'Akers'],
              ],
            ),
            // SPEC §13: Woodgrove moved to GDAP (seedGdapDemo); Northwind is still on DAP.
            customer(
              woodgrove,
              'Boston',
              'none',
              [
                ['WRD-SEC-E5', 5],
                ['WRD-BUS-PREM', 5],
              ],
              [
                ['admin@woodgrove.example', 'Wanda', 'Grove'],
                ['tomas@woodgrove.example', 'Tomas', 'Grove'],
              ],
            ),
          ],
          requests: [
            ['Cannot add a verified domain', 'moderate', 0],
            ['Licences not showing for new users', 'minimal', 2],
            ['Suspicious sign-ins from an unknown country', 'critical', 0],
          ],
        },
        {
          id: fabrikam.id,
          customers: [
            customer(
              tailspin,
              'Portland',
              'dap',
              [['WRD-BUS-BASIC', 40]],
              [['admin@tailspin.example', 'Terry', 'Spin']],
            ),
            customer(
              proseware,
              'Denver',
              'none',
              [['WRD-MAIL-1', 12]],
              [['admin@proseware.example', 'Pat', 'Rose']],
            ),
          ],
          requests: [['Mailbox migration stuck', 'moderate', 0]],
        },
      ],
      now,
      passwordHash,
    );
    out.customers = seeded.customers;
    // Each customer's Global Administrator signs in with the demo TOTP seed, like Jane (SPEC §13:
    // the customer's admin approves GDAP with MFA, always).
    for (const [upn, person] of Object.entries(seeded.users)) {
      const admin = person.roles.includes('Global Administrator');
      if (admin) await addTotpMethod(db, ctx.secrets, person.tenant, person.id, DEMO_TOTP_SEED, now);
      out.users[upn] = {
        id: person.id,
        tenant: person.tenant,
        ...(admin ? { totpSeed: DEMO_TOTP_SEED } : {}),
        groups: [],
        roles: person.roles,
      };
    }
    const jane = out.users['jane@contoso.example']!;
    const wanda = out.users['admin@woodgrove.example']!;
    await seedGdapDemo(
      db,
      {
        partnerTenantId: contoso.id,
        agent: { tenantId: contoso.id, userId: jane.id, appId: null, name: 'jane@contoso.example' },
        members: {
          userAdmins: [jane.id],
          helpdesk: [out.users['hal@contoso.example']!.id],
        },
        active: {
          tenantId: woodgrove.id,
          approver: {
            tenantId: woodgrove.id,
            userId: wanda.id,
            appId: null,
            name: 'admin@woodgrove.example',
          },
        },
        pending: { tenantId: adatum.id },
      },
      now,
    );
    // SPEC §13: security alerts on Contoso's customers, one of each status (alerts-demo-data.ts).
    await seedAlertsDemo(
      db,
      {
        partnerTenantId: contoso.id,
        agent: 'jane@contoso.example',
        baseUrl: ctx.config.baseUrl,
        active: { customerId: out.customers['northwind.example']!, tenantId: northwind.id },
        investigating: { customerId: out.customers['woodgrove.example']!, tenantId: woodgrove.id },
        resolved: { customerId: out.customers['adatum.example']!, tenantId: adatum.id },
      },
      now,
    );

    const cli = await createApplication(db, ctx.secrets, operator.id, WARDEN_CLI_APPLICATION, now);
    out.clients['warden-cli'] = {
      clientId: cli.application.id,
      clientIdAlias: 'warden-cli',
      tenant: operator.id,
      redirectUris: cli.application.redirectUris,
    };
    const automation = await createApplication(
      db,
      ctx.secrets,
      contoso.id,
      {
        id: DEMO_APPLICATION_IDS['contoso-automation'],
        clientIdAlias: 'contoso-automation',
        displayName: 'Contoso automation',
        clientType: 'confidential',
        // Partner API reads, and Graph reads of users and sign-ins (issue 4 item 1).
        grantedAppRoles: ['Partner.Read.All', 'User.Read.All', 'AuditLog.Read.All'],
        allowedScopes: [`${PARTNER_API}/.default`, `${GRAPH_API}/.default`],
      },
      now,
    );
    out.clients['contoso-automation'] = {
      clientId: automation.application.id,
      clientIdAlias: 'contoso-automation',
      tenant: contoso.id,
      ...(automation.clientSecret ? { clientSecret: automation.clientSecret } : {}),
    };
    await seedServicePrincipalSignIns(
      db,
      {
        tenantId: contoso.id,
        appId: automation.application.id,
        servicePrincipalId: automation.application.servicePrincipalId,
        appName: automation.application.displayName,
      },
      now,
    );
    // SPEC R2, §10 (reference §3.1): the partner's Secure Application Model app — multi-tenant,
    // confidential, App+User only (no app roles of its own); a dedicated integration user consents
    // once with MFA and the tool runs from the refresh token. Loopback redirect, any port (RFC 8252 §7.3).
    const sam = await createApplication(
      db,
      ctx.secrets,
      contoso.id,
      {
        id: DEMO_APPLICATION_IDS['contoso-sam'],
        clientIdAlias: 'contoso-sam',
        displayName: 'Contoso partner automation (SAM)',
        clientType: 'confidential',
        multiTenant: true,
        redirectUris: ['http://localhost', 'http://localhost/'],
        allowedScopes: [
          `${PARTNER_API}/user_impersonation`,
          `${PARTNER_API}/.default`,
          `${GRAPH_API}/Directory.AccessAsUser.All`,
          `${GRAPH_API}/.default`,
        ],
      },
      now,
    );
    out.clients['contoso-sam'] = {
      clientId: sam.application.id,
      clientIdAlias: 'contoso-sam',
      tenant: contoso.id,
      redirectUris: sam.application.redirectUris,
      ...(sam.clientSecret ? { clientSecret: sam.clientSecret } : {}),
    };
    await seedConsentDemo(
      db,
      ctx.dbKind,
      {
        customerTenantId: woodgrove.id,
        agent: { tenantId: contoso.id, userId: jane.id, upn: 'jane@contoso.example' },
        application: sam.application,
      },
      now,
    );
    // Reference §3.3: Jane consented the SAM app into Woodgrove through the application-consent
    // API (Graph reads), so Woodgrove's admin center and GET applicationconsents show a consent.
    await consentApplication(
      db,
      {
        tenantId: woodgrove.id,
        appId: sam.application.id,
        appTenantId: contoso.id,
        displayName: sam.application.displayName,
        consentedBy: { tenantId: contoso.id, userId: jane.id, name: 'jane@contoso.example' },
        grants: [{ resource: GRAPH_API, scopes: ['User.Read.All', 'Directory.Read.All'] }],
      },
      { tenantId: contoso.id, userId: jane.id, appId: sam.application.id, name: 'jane@contoso.example' },
      now - 20 * 24 * 3600 * 1000,
    );
    out.apis.orders = await seedExposedApiDemo(db, ctx.secrets, contoso.id, now);
    // SPEC §11: 30 days of Contoso's traffic and every partner's daily figures.
    const person = (upn: string) => ({ id: out.users[upn]!.id, upn });
    await seedComplianceDemo(
      db,
      {
        partner: contoso,
        others: [fabrikam],
        users: {
          jane: person('jane@contoso.example'),
          sky: person('sky@contoso.example'),
          sam: person('sam@contoso.example'),
          hal: person('hal@contoso.example'),
        },
        apps: { cli: cli.application.id, sam: sam.application.id, automation: automation.application.id },
      },
      now,
    );
  });
  return out;
}
