import type { Generated } from 'kysely';

/**
 * The one schema of Warden, identical on SQLite and PostgreSQL (STYLE 5).
 * Every tenant-owned table carries `tenant_id`; times are epoch milliseconds;
 * booleans are 0/1 integers; lists and objects are JSON text.
 */
export interface Database {
  tenants: TenantTable;
  users: UserTable;
  groups: GroupTable;
  group_members: GroupMemberTable;
  applications: ApplicationTable;
  application_credentials: ApplicationCredentialTable;
  application_key_credentials: ApplicationKeyCredentialTable;
  auth_methods: AuthMethodTable;
  recovery_codes: RecoveryCodeTable;
  sign_in_flows: SignInFlowTable;
  throttles: ThrottleTable;
  sign_ins: SignInTable;
  service_principal_sign_ins: ServicePrincipalSignInTable;
  signing_keys: SigningKeyTable;
  oidc_payloads: OidcPayloadTable;
  customers: CustomerTable;
  offers: OfferTable;
  offer_prices: OfferPriceTable;
  orders: OrderTable;
  subscriptions: SubscriptionTable;
  invoices: InvoiceTable;
  invoice_line_items: InvoiceLineItemTable;
  service_requests: ServiceRequestTable;
  dashboard_sessions: DashboardSessionTable;
  request_log: RequestLogTable;
  request_rollups: RequestRollupTable;
  daily_figures: DailyFiguresTable;
  activation_links: ActivationLinkTable;
  delegated_admin_relationships: DelegatedAdminRelationshipTable;
  delegated_admin_access_assignments: DelegatedAdminAccessAssignmentTable;
  delegated_admin_requests: DelegatedAdminRequestTable;
  delegated_admin_operations: DelegatedAdminOperationTable;
  audit_events: AuditEventTable;
  log_retention_settings: LogRetentionSettingTable;
  revocations: RevocationTable;
  license_assignments: LicenseAssignmentTable;
  user_usage_locations: UserUsageLocationTable;
  user_consents: UserConsentTable;
  application_apis: ApplicationApiTable;
  application_identifier_uris: ApplicationIdentifierUriTable;
  service_principals: ServicePrincipalTable;
  service_principal_grants: ServicePrincipalGrantTable;
  evidence_keys: EvidenceKeyTable;
  security_contacts: SecurityContactTable;
  security_score_history: SecurityScoreHistoryTable;
  fraud_events: FraudEventTable;
  fraud_webhook_registrations: FraudWebhookRegistrationTable;
  fraud_webhook_deliveries: FraudWebhookDeliveryTable;
  technical_exceptions: TechnicalExceptionTable;
  program_settings: ProgramSettingTable;
  temporary_access_passes: TemporaryAccessPassTable;
  authentication_methods_policy: AuthenticationMethodsPolicyTable;
  risk_detections: RiskDetectionTable;
  risky_users: RiskyUserTable;
  breached_password_hashes: BreachedPasswordHashTable;
  passkey_credentials: PasskeyCredentialTable;
  passkey_challenges: PasskeyChallengeTable;
}

export interface TenantTable {
  id: string;
  kind: 'operator' | 'partner' | 'customer';
  program_type: string | null;
  display_name: string;
  domain: string;
  partner_tenant_id: string | null;
  security_defaults: number;
  /** SPEC §5: when security defaults were last turned on (null: off, or on since before this was kept). */
  security_defaults_enabled_at: number | null;
  require_mfa_all_users: number;
  created_at: number;
}

export interface UserTable {
  tenant_id: string;
  id: string;
  user_principal_name: string;
  display_name: string;
  given_name: string | null;
  surname: string | null;
  user_type: 'member' | 'guest' | 'service';
  account_enabled: number;
  password_hash: string | null;
  directory_roles: string;
  first_interactive_sign_in_at: number | null;
  /** SPEC §5: the first interactive sign-in since security defaults were last turned on. */
  registration_window_started_at: number | null;
  created_at: number;
  /** 1 after an admin reset to a temporary password: the next sign-in must set a new one (SPEC §9). */
  password_change_required: number;
  /** Graph's default user properties (migration 0020); business_phones is a JSON array. */
  mail: string | null;
  business_phones: string | null;
  job_title: string | null;
  mobile_phone: string | null;
  office_location: string | null;
  preferred_language: string | null;
  /** Migration 0034: 1 when the account was activated by a link; its first registration needs its TAP. */
  first_registration_requires_tap: number;
  /** Migration 0035: when the password was last set (null: before then, or no password). */
  password_changed_at: number | null;
}

export interface GroupTable {
  tenant_id: string;
  id: string;
  display_name: string;
  created_at: number;
}

export interface GroupMemberTable {
  tenant_id: string;
  group_id: string;
  user_id: string;
}

export interface ApplicationTable {
  tenant_id: string;
  /** The application id (Graph `appId`, OAuth `client_id`): a GUID. */
  id: string;
  /** The application object's id (Graph `id`), a GUID distinct from `id`. */
  object_id: string;
  /** The object id of the app's service principal in its home tenant (app-only `oid`). */
  service_principal_id: string;
  /** A human-readable client id resolving to `id` (the demo's, the first-party clients'); unique. */
  client_id_alias: string | null;
  display_name: string;
  client_type: 'public' | 'confidential';
  redirect_uris: string;
  multi_tenant: number;
  app_roles: string;
  granted_app_roles: string;
  allowed_scopes: string;
  created_at: number;
}

/** One client secret of an application (Graph `passwordCredential`); several may be valid at once. */
export interface ApplicationCredentialTable {
  tenant_id: string;
  application_id: string;
  key_id: string;
  display_name: string | null;
  /** The first characters of the secret, as Graph shows them (`hint`). */
  hint: string;
  secret_sealed: string;
  end_at: number;
  created_at: number;
}

/** One certificate of an application (Graph `keyCredential`, AsymmetricX509Cert / Verify). */
export interface ApplicationKeyCredentialTable {
  tenant_id: string;
  application_id: string;
  key_id: string;
  display_name: string | null;
  /** SHA-1 thumbprint, base64url (a JWS `x5t` header). */
  x5t: string;
  /** SHA-256 thumbprint, base64url (a JWS `x5t#S256` header). */
  x5t_s256: string;
  /** The certificate, DER in base64. */
  certificate: string;
  start_at: number;
  end_at: number;
  created_at: number;
}

export interface AuthMethodTable {
  tenant_id: string;
  id: string;
  user_id: string;
  kind: 'totp';
  display_name: string;
  secret_sealed: string;
  last_used_step: number | null;
  created_at: number;
  /** When it last proved a sign-in (migration 0031). */
  last_used_at: number | null;
}

export interface RecoveryCodeTable {
  tenant_id: string;
  id: string;
  user_id: string;
  code_hash: string;
  used_at: number | null;
  created_at: number;
}

export interface SignInFlowTable {
  tenant_id: string;
  id: string;
  state: string;
  data: string;
  expires_at: number;
}

/** Migration 0033: the open WebAuthn challenge of a holder (`flow:<id>`, `security-info:<session>`). */
export interface PasskeyChallengeTable {
  tenant_id: string;
  holder: string;
  challenge: string;
  issued_at: number;
}

export interface ThrottleTable {
  tenant_id: string;
  key: string;
  failures: number;
  lock_count: number;
  locked_until: number;
  updated_at: number;
}

export interface SignInTable {
  tenant_id: string;
  id: string;
  created_at: number;
  user_id: string | null;
  user_principal_name: string | null;
  app_id: string | null;
  home_tenant_id: string | null;
  ip_address: string | null;
  client_app_used: string;
  is_interactive: number;
  error_code: number;
  failure_reason: string | null;
  authentication_requirement: string;
  requirement_policy: string | null;
  authentication_details: string;
  correlation_id: string | null;
  /** The resource the sign-in was for, the user agent it came from, Graph's status.additionalDetails (0020). */
  resource_id: string | null;
  user_agent: string | null;
  additional_details: string | null;
  /** Migration 0031: `mfa` or `phishingResistant` when reached; Graph signIn's risk fields. */
  authentication_strength: string | null;
  risk_level_during_sign_in: string | null;
  risk_state: string | null;
  /** JSON array of riskEventType values (Graph `riskEventTypes_v2`). */
  risk_event_types: string | null;
}

/** One client-credentials token request at a tenant's authority (Graph `signIn`, `servicePrincipal`). */
export interface ServicePrincipalSignInTable {
  tenant_id: string;
  id: string;
  created_at: number;
  app_id: string | null;
  app_display_name: string | null;
  service_principal_id: string | null;
  ip_address: string | null;
  resource_id: string | null;
  resource_display_name: string | null;
  client_credential_type: string;
  error_code: number;
  failure_reason: string | null;
  correlation_id: string;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  private_jwk_sealed: string;
  /** `next`: published ahead of signing (signing-keys.ts KEY_PUBLISH_AHEAD_MS). */
  status: 'active' | 'next' | 'retired';
  created_at: number;
  retired_at: number | null;
}

export interface OidcPayloadTable {
  tenant_id: string;
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: number | null;
  consumed_at: number | null;
  /** A refresh token of a revoked chain, kept (unusable) to answer AADSTS50173 (migration 0013). */
  revoked_at: number | null;
  /** The payload's `accountId`, indexed (migration 0032): a user's sessions are ended by it. */
  account_id: Generated<string | null>;
}

/** A partner's customer (issue 3 item 1): a link to the customer tenant and its company profile. */
export interface CustomerTable {
  tenant_id: string;
  id: string;
  customer_tenant_id: string;
  company_name: string;
  domain: string;
  country: string;
  /** JSON: { email, phone, addressLine1, city, postalCode, culture, language } */
  profile: string;
  relationship: 'reseller' | 'advisor';
  delegated_admin: 'none' | 'dap';
  created_at: number;
  /** When the partner removed DAP for this customer (SPEC §13; null: never had it removed). */
  dap_removed_at: number | null;
}

export interface OfferTable {
  id: string;
  name: string;
  description: string;
  category: string;
  billing_cycle: 'monthly' | 'annual';
  min_quantity: number;
  max_quantity: number;
}

export interface OfferPriceTable {
  offer_id: string;
  country: string;
  currency: string;
  unit_price_cents: number;
}

export interface OrderTable {
  tenant_id: string;
  id: string;
  customer_id: string;
  currency: string;
  status: 'completed';
  /** JSON: [{ lineItemNumber, offerId, quantity, subscriptionId }] */
  line_items: string;
  created_by: string;
  created_at: number;
}

export interface SubscriptionTable {
  tenant_id: string;
  id: string;
  customer_id: string;
  order_id: string;
  offer_id: string;
  friendly_name: string;
  quantity: number;
  status: 'active' | 'suspended';
  billing_cycle: 'monthly' | 'annual';
  currency: string;
  unit_price_cents: number;
  created_at: number;
  commitment_end_at: number;
  /** Partner Center's `autoRenewEnabled` (1 or 0). */
  auto_renew_enabled: number;
  /** Named by the subscription's etag; each change adds one (a PATCH is conditional on it). */
  version: number;
}

export interface InvoiceTable {
  tenant_id: string;
  id: string;
  invoice_date: number;
  period_start: number;
  period_end: number;
  currency: string;
  total_cents: number;
  paid_cents: number;
}

export interface InvoiceLineItemTable {
  tenant_id: string;
  invoice_id: string;
  line_number: number;
  customer_id: string;
  customer_name: string;
  subscription_id: string;
  offer_id: string;
  offer_name: string;
  quantity: number;
  unit_price_cents: number;
  amount_cents: number;
  charge_start: number;
  charge_end: number;
}

export interface ServiceRequestTable {
  tenant_id: string;
  id: string;
  customer_id: string | null;
  title: string;
  description: string;
  severity: 'minimal' | 'moderate' | 'critical';
  status: 'open' | 'attention_needed' | 'closed';
  support_topic: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

/** Warden's own sites, each a first-party relying party of the authorities with its own cookie. */
export type FirstPartySite = 'dashboard' | 'admin' | 'security-info';

export interface DashboardSessionTable {
  id_hash: string;
  tenant_id: string;
  user_id: string;
  /** JSON array: the `amr` of the ID token that started or last stepped up the session. */
  amr: string;
  auth_time: number;
  csrf: string;
  created_at: number;
  expires_at: number;
  /** The first-party site whose cookie holds it (migration 0041); no other site accepts it. */
  site: FirstPartySite;
}

export interface RequestLogTable {
  tenant_id: string;
  id: string;
  occurred_at: number;
  /** `graph-app-user`: a partner user's Graph request in a customer tenant (SPEC E3). */
  surface: 'dashboard' | 'api-app-user' | 'api-app-only' | 'graph-app-user';
  operation: string;
  user_id: string | null;
  user_principal_name: string | null;
  app_id: string | null;
  mfa_compliant: number;
  outcome: 'success' | 'unauthorized' | 'forbidden' | 'not_found' | 'bad_request' | 'error';
  status_code: number;
  correlation_id: string;
  /** A Partner API call into a customer's tenant (SPEC E3): the customer tenant, else null. */
  customer_tenant_id: string | null;
  /** With it, the access used, as JSON `{ via: 'gdap'|'dap', roleTemplateIds, relationshipIds }`. */
  delegated_access: string | null;
  /** Partner Center's `MS-RequestId` of a Partner API call (sent or generated), else null. */
  request_id: string | null;
  /** The caller's IP address (Partner Center's `IpAddress` column), else null. */
  ip_address: string | null;
  /** 1: no MFA proof, admitted only under an approved technical exception (SPEC §12). */
  under_exception: number;
}

/**
 * SPEC §11: the counters of one tenant's requests on one UTC day, by surface, application and
 * user, kept by the database as request-log rows are inserted (trigger of migration 0023).
 */
export interface RequestRollupTable {
  tenant_id: string;
  /** The UTC calendar day, `YYYY-MM-DD`. */
  day: string;
  surface: RequestLogTable['surface'];
  /** '' when the request had no application. */
  app_id: string;
  /** '' when the request had no user (app-only). */
  user_id: string;
  /** The user's UPN as last logged. */
  user_principal_name: string | null;
  total: number;
  /** Requests with the MFA proof (never one admitted under a technical exception). */
  mfa_compliant: number;
  /** Requests without the proof admitted under an approved technical exception (SPEC §12). */
  under_exception: number;
  last_request_at: number;
  /** The last request without the MFA proof, else null. */
  last_non_mfa_at: number | null;
}

/** SPEC §11: a partner tenant's figures A, B1 and B2 for the 7 UTC days ending with `day`. */
export interface DailyFiguresTable {
  tenant_id: string;
  day: string;
  window_start: string;
  computed_at: number;
  a_numerator: number;
  a_denominator: number;
  b1_numerator: number;
  b1_denominator: number;
  b1_under_exception: number;
  b2_numerator: number;
  b2_denominator: number;
  b2_under_exception: number;
  /** JSON `{ a, b1, b2 }`, each a list of `{ code, count }` (compliance/status-types.ts). */
  reasons: string;
}

/** A one-time link that lets a new administrator set a first password (src/onboarding/). */
export interface ActivationLinkTable {
  /** Random, not secret: names the link in its URL. */
  id: string;
  tenant_id: string;
  user_id: string;
  /** SHA-256 (base64url) of the link's secret; the secret itself is shown once and never stored. */
  secret_hash: string;
  created_at: number;
  expires_at: number;
  /** Set once, by the conditional UPDATE that consumes the link. */
  used_at: number | null;
}

/**
 * Access tokens that no longer count (src/sessions/revocations.ts): `kind` 'grant' covers every
 * token of the grant whose reference is `subject`; 'user' every token of user `subject` issued
 * before `revoked_at`. Kept until `expires_at`, when no token it covers could still be accepted.
 */
export interface RevocationTable {
  tenant_id: string;
  kind: 'grant' | 'user';
  subject: string;
  revoked_at: number;
  expires_at: number;
}

export type Row<T> = { [K in keyof T]: T[K] extends Generated<infer U> ? U : T[K] };

/** A GDAP relationship (src/delegated-admin/relationships.ts). */
export interface DelegatedAdminRelationshipTable {
  partner_tenant_id: string;
  id: string;
  display_name: string;
  customer_tenant_id: string | null;
  /** ISO 8601, as the partner asked (`P730D`). */
  duration: string;
  /** `PT0S`, `P0D` or `P180D`. */
  auto_extend_duration: string;
  /** JSON array of Entra role template ids. */
  roles: string;
  status: string;
  /** The ETag: bumped by every change. */
  version: number;
  created_at: number;
  last_modified_at: number;
  locked_at: number | null;
  activated_at: number | null;
  ends_at: number | null;
  ended_at: number | null;
  /** The customer administrator who approved. */
  approved_by: string | null;
}

/** One partner security group given roles of a GDAP relationship (Graph `delegatedAdminAccessAssignment`). */
export interface DelegatedAdminAccessAssignmentTable {
  partner_tenant_id: string;
  relationship_id: string;
  id: string;
  group_id: string;
  /** JSON: the role template ids, a subset of the relationship's. */
  roles: string;
  status: 'pending' | 'active' | 'deleting' | 'deleted' | 'error';
  version: number;
  created_at: number;
  last_modified_at: number;
}

/** A request made on a relationship (Graph `delegatedAdminRelationshipRequest`). */
export interface DelegatedAdminRequestTable {
  partner_tenant_id: string;
  relationship_id: string;
  id: string;
  action: 'lockForApproval' | 'approve' | 'reject' | 'terminate';
  status: 'created' | 'pending' | 'succeeded' | 'failed';
  created_at: number;
  last_modified_at: number;
}

/** A long-running change on a relationship (Graph `delegatedAdminRelationshipOperation`). */
export interface DelegatedAdminOperationTable {
  partner_tenant_id: string;
  relationship_id: string;
  id: string;
  operation_type: 'delegatedAdminAccessAssignmentUpdate' | 'delegatedAdminRelationshipUpdate';
  status: 'notStarted' | 'running' | 'succeeded' | 'failed';
  /** The target object as a JSON string, as Graph's `data` is. */
  data: string;
  created_at: number;
  last_modified_at: number;
}

/** Issue 16 item 4 (migration 0042): a tenant's own retention of its logs; no row: the default. */
export interface LogRetentionSettingTable {
  tenant_id: string;
  days: number;
  updated_at: number;
}

/** One audit event of a tenant: who did what to which object (GDAP changes, DAP removal). */
export interface AuditEventTable {
  tenant_id: string;
  id: string;
  occurred_at: number;
  category: string;
  activity: string;
  actor_tenant_id: string | null;
  actor_user_id: string | null;
  actor_app_id: string | null;
  actor_name: string;
  target_type: string;
  target_id: string;
  target_name: string | null;
  /** The other side of a cross-tenant event (the customer in the partner's row, and the reverse). */
  other_tenant_id: string | null;
  /** JSON object of the event's particulars (roles, status, duration). */
  details: string;
}

/** A licence of a customer tenant's user: one seat of the tenant's subscriptions of `offer_id`. */
export interface LicenseAssignmentTable {
  /** The customer tenant (the user's own tenant). */
  tenant_id: string;
  user_id: string;
  /** Partner Center's `productSku.id`: a name-based GUID of the offer (partner-center/licenses.ts). */
  sku_id: string;
  offer_id: string;
  /** Who assigned it (the partner user's UPN). */
  assigned_by: string;
  assigned_at: number;
}

/** Partner Center's `usageLocation` of a customer user (ISO 3166 alpha-2). */
export interface UserUsageLocationTable {
  tenant_id: string;
  user_id: string;
  usage_location: string;
}

/** SPEC §10: a user's consent to a third-party application for one resource (migration 0016). */
export interface UserConsentTable {
  /** The tenant of the authority the consent was given at. */
  tenant_id: string;
  id: string;
  /** oidc-provider's account: the user id, or `sp:{home}:{user}` for a partner user (SPEC E3). */
  account_id: string;
  home_tenant_id: string;
  user_id: string;
  client_id: string;
  /** The resource server (src/tokens/audiences.ts) the scopes are of. */
  resource: string;
  /** Space-separated scopes consented, as requested (`urn:warden:graph/...` for resource scopes). */
  scope: string;
  consented_at: number;
  /** JSON array: RFC 8176 `amr` of the session the consent was given in. */
  amr: string;
  acr: string | null;
  /** The session's `auth_time` (seconds, OIDC Core §2). */
  auth_time: number | null;
}

/** A multi-tenant application's service principal in a customer tenant, consented by a partner. */
export interface ServicePrincipalTable {
  /** The customer tenant the app was consented into. */
  tenant_id: string;
  /** The service principal's object id (app-only tokens' `oid` in that tenant). */
  id: string;
  app_id: string;
  /** The app's home tenant (where it is registered: the partner's). */
  app_tenant_id: string;
  display_name: string;
  consented_by_tenant_id: string;
  consented_by_user_id: string | null;
  /** The consenting user's UPN at the time. */
  consented_by_name: string;
  created_at: number;
}

/** What a consent granted on one resource: app role and delegated scope names, a JSON array. */
export interface ServicePrincipalGrantTable {
  tenant_id: string;
  app_id: string;
  /** The resource's audience, e.g. `urn:warden:graph`. */
  resource: string;
  scopes: string;
}

/** Issue 13: the API an application exposes, Entra's "expose an API" (migration 0019). */
export interface ApplicationApiTable {
  tenant_id: string;
  application_id: string;
  /** JSON array: Graph `permissionScope`s (`api.oauth2PermissionScopes`). */
  scopes: string;
  /** JSON array: Graph `appRole`s. */
  app_roles: string;
  /** The `typ` header of its access tokens: `JWT` (Entra's) or `at+jwt` (RFC 9068). */
  access_token_type: 'JWT' | 'at+jwt';
}

/** One identifier URI of an application (Graph `identifierUris`), unique in its tenant (migration 0019). */
export interface ApplicationIdentifierUriTable {
  tenant_id: string;
  uri: string;
  application_id: string;
}

/** The operator's key that signs compliance evidence (migration 0027); never deleted. */
export interface EvidenceKeyTable {
  kid: string;
  alg: string;
  /** The public JWK, plain: verifiers read it. */
  public_jwk: string;
  /** The private JWK, sealed (secret-box, purpose `evidence-key:<kid>`). */
  private_jwk_sealed: string;
  /** `next`: published ahead of signing (signing-keys.ts KEY_PUBLISH_AHEAD_MS). */
  status: 'active' | 'next' | 'retired';
  created_at: number;
}
/** Reference §4.2: the security contact a partner tenant keeps on file (migration 0026). */
export interface SecurityContactTable {
  tenant_id: string;
  name: string;
  email: string;
  phone: string;
  updated_at: number;
  /** The user who last set it. */
  updated_by: string;
}

/** Reference §4.2 `securityScoreHistory`: one snapshot per partner tenant per UTC day (migration 0026). */
export interface SecurityScoreHistoryTable {
  tenant_id: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  id: string;
  created_at: number;
  score: number;
  compliant_requirements_count: number;
  total_requirements_count: number;
}

/** A Partner Center fraud event on a customer's subscription (SPEC §13, reference §5.1; migration 0024). */
export interface FraudEventTable {
  partner_tenant_id: string;
  /** Partner Center's `eventId`: `<subscriptionId>_<entityId>`. */
  id: string;
  customer_tenant_id: string;
  subscription_id: string;
  entity_id: string;
  entity_name: string;
  entity_url: string;
  /** Reference §5.1 legacy resource fields: the service, resource and resource group concerned. */
  service_name: string;
  resource_name: string;
  resource_group_name: string;
  event_type: string;
  status: 'Active' | 'Investigating' | 'Resolved';
  severity: 'Low' | 'Medium' | 'High';
  confidence_level: 'Low' | 'Medium' | 'High';
  display_name: string;
  description: string;
  country: string | null;
  hit_count: number;
  first_observed_at: number;
  last_observed_at: number;
  detected_at: number;
  resolved_reason: 'Fraud' | 'Ignore' | 'Legitimate' | null;
  resolved_at: number | null;
  resolved_by: string | null;
  /** JSON: [{ statusFrom, statusTo, updatedBy, dateTime }] */
  activity_logs: string;
  /** JSON: a string dictionary. */
  additional_details: string;
  /** JSON: [{ azureResourceId, type }] */
  affected_resources: string;
  is_test: number;
  source: 'operator' | 'detector';
  /** What the detector saw (unique per partner), so racing instances raise one event; null for the operator's. */
  detection_key: string | null;
  version: number;
}

/** A webhook URL a partner registered for `azure-fraud-event-detected` (reference §5.3). */
export interface FraudWebhookRegistrationTable {
  partner_tenant_id: string;
  id: string;
  url: string;
  /** JSON array of event names. */
  events: string;
  /** The HMAC key, sealed with ctx.secrets (Warden reads it back to sign). */
  secret_sealed: string;
  created_at: number;
}

/** One delivery of one event to one registration, retried with backoff. */
export interface FraudWebhookDeliveryTable {
  partner_tenant_id: string;
  id: string;
  registration_id: string;
  event_id: string;
  payload: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  /** Until when one instance holds the attempt (conditional update), so two do not send it at once. */
  lease_until: number;
  /** The claiming run's random token (migration 0028): only that run records the attempt. */
  lease_token: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** SPEC §12: one "MFA - Request for exception" a partner filed (src/technical-exceptions/). */
export interface TechnicalExceptionTable {
  partner_tenant_id: string;
  id: string;
  /** The third-party MFA product the partner uses. */
  mfa_product: string;
  /** How that product is integrated with the partner's sign-in, and why it cannot send the MFA claim. */
  integration: string;
  /** The self-test of an affected account (`warden test-security-requirements --json`), as JSON. */
  self_test: string;
  purchase_reference: string;
  filed_by_user_id: string;
  filed_by: string;
  filed_at: number;
  /** Three working days (UTC, weekends skipped) after filing: the operator answers by then. */
  due_at: number;
  status: 'pending' | 'approved' | 'rejected' | 'ended' | 'expired';
  /** Bumped by every change: decisions are conditional updates on it. */
  version: number;
  /** The partner tenant's id while pending, else null (unique: one pending request per partner). */
  open_key: string | null;
  /** Approved: the enforcement points it covers, `E1`, `E2` or `E1,E2` (never E3). */
  scope: string | null;
  /** Approved: when it stops covering anything (exclusive, epoch ms). */
  ends_at: number | null;
  decided_at: number | null;
  decided_by: string | null;
  /** Rejected: the operator's reason; ended: why it ended. */
  reason: string | null;
  /** Ended or expired: when. */
  closed_at: number | null;
}

/** An operator's switch for the whole partner program (src/technical-exceptions/program-settings.ts). */
export interface ProgramSettingTable {
  key: string;
  value: string;
  updated_at: number;
  updated_by: string;
}

/** A user's Temporary Access Pass (migration 0029): one per user; only the pass's hash is kept. */
export interface TemporaryAccessPassTable {
  tenant_id: string;
  user_id: string;
  id: string;
  /** SHA-256 of the pass (temporary-access-pass/passes.ts explains why not argon2). */
  pass_hash: string;
  created_at: number;
  /** Graph `startDateTime`: usable from then (the creation time unless given). */
  start_at: number;
  lifetime_minutes: number;
  is_usable_once: number;
  /** When a one-time pass was spent (null: unused). */
  used_at: number | null;
  /** The administrator who issued it (null: an application). */
  created_by: string | null;
}

/** The tenant's Warden settings of the authentication methods policy (migration 0029); no row: defaults. */
export interface AuthenticationMethodsPolicyTable {
  tenant_id: string;
  /** 1: a first MFA registration by a privileged user needs a Temporary Access Pass in that sign-in. */
  first_registration_requires_tap: number;
  updated_at: number;
  /** Migration 0031: `none` (default) accepts any authenticator; `enforced` only attested ones. */
  passkey_attestation: Generated<'none' | 'enforced'>;
  /** `off`, or `allow` / `block` the AAGUIDs in `passkey_aaguids` (a JSON array), at registration and sign-in. */
  passkey_aaguid_mode: Generated<'off' | 'allow' | 'block'>;
  passkey_aaguids: Generated<string>;
  /** 1: username-less passkey sign-in is offered on the first page. */
  passkey_passwordless: Generated<number>;
  /** Self-service password reset asks for this many methods (1 or 2). */
  sspr_methods_required: Generated<number>;
}

/** Reference §6.1 `riskDetection`: one detection of one user (migration 0030). */
export interface RiskDetectionTable {
  tenant_id: string;
  id: string;
  user_id: string;
  risk_event_type: string;
  risk_level: string;
  risk_state: string;
  risk_detail: string;
  detection_timing_type: string;
  activity: string;
  source: string;
  ip_address: string | null;
  request_id: string | null;
  activity_at: number;
  detected_at: number;
  last_updated_at: number;
  /** Graph's `additionalInfo`: a JSON string of `[{Key, Value}]`. */
  additional_info: string;
  /** What makes the detection one (unique per tenant): a re-run raises nothing new. */
  dedupe_key: string;
}

/** Reference §6.1 `riskyUser`: a user's current risk (migration 0030). */
export interface RiskyUserTable {
  tenant_id: string;
  user_id: string;
  risk_level: string;
  risk_state: string;
  risk_detail: string;
  risk_last_updated_at: number;
}

/** A breached password's SHA-1 (upper hex) and how often it was seen (Pwned Passwords; migration 0030). */
export interface BreachedPasswordHashTable {
  sha1: string;
  breach_count: number;
}

/** A WebAuthn credential (Graph `fido2AuthenticationMethod`; migration 0031). */
export interface PasskeyCredentialTable {
  tenant_id: string;
  id: string;
  user_id: string;
  /** base64url credential id, unique per tenant. */
  credential_id: string;
  /** base64url COSE public key. */
  public_key: string;
  sign_count: number;
  aaguid: string;
  /** WebAuthn L3 credential device type: `singleDevice` (device-bound) or `multiDevice` (synced). */
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: number;
  /** JSON array of AuthenticatorTransport values. */
  transports: string;
  attestation_format: string;
  display_name: string;
  created_at: number;
  last_used_at: number | null;
}
