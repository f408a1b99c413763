import { type AuditActor, recordAuditEvent } from '../audit/audit-events.ts';
import { type Db, inTransaction } from '../storage/database.ts';

/**
 * The partner's security contact (reference §4.2: "a security contact on file", requirement
 * `securityContactProvided`): who the operator reaches about a security incident in the partner's
 * tenant or its customers'. One per partner tenant; setting it again replaces it.
 */
export interface SecurityContact {
  name: string;
  email: string;
  phone: string;
  updatedAt: number;
  updatedBy: string;
}

export type ContactField = 'name' | 'email' | 'phone';

/** Why a contact is refused: the field and what is wrong with it, for the form to show. */
export class SecurityContactError extends Error {
  readonly field: ContactField;
  constructor(field: ContactField, message: string) {
    super(message);
    this.field = field;
  }
}

// A practical address check (RFC 5321 §4.5.3.1 lengths; one @, a dotted domain, no spaces).
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
// E.164 with the usual separators: an optional +, 7 to 15 digits, spaces, dots, dashes, brackets.
const PHONE = /^\+?[0-9 ().-]{7,25}$/;

/** The contact as it will be stored, or a SecurityContactError naming the first bad field. */
export function validContact(input: { name?: unknown; email?: unknown; phone?: unknown }): {
  name: string;
  email: string;
  phone: string;
} {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const name = text(input.name);
  const email = text(input.email).toLowerCase();
  const phone = text(input.phone);
  if (name.length === 0 || name.length > 120 || /[\p{Cc}]/u.test(name))
    throw new SecurityContactError('name', 'Give the contact’s name (at most 120 characters).');
  if (email.length > 254 || !EMAIL.test(email))
    throw new SecurityContactError('email', 'Give an email address such as security@example.com.');
  const digits = phone.replace(/\D/g, '');
  if (!PHONE.test(phone) || digits.length < 7 || digits.length > 15)
    throw new SecurityContactError(
      'phone',
      'Give a phone number in international form, such as +1 425 555 0100.',
    );
  return { name, email, phone };
}

export async function getSecurityContact(db: Db, tenantId: string): Promise<SecurityContact | undefined> {
  const row = await db
    .selectFrom('security_contacts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    name: row.name,
    email: row.email,
    phone: row.phone,
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
  };
}

/**
 * Sets (or replaces) the tenant's contact with one upsert, written to the tenant's audit log in the
 * same transaction: two instances saving at once leave one contact and both records.
 */
export async function setSecurityContact(
  db: Db,
  tenantId: string,
  input: { name?: unknown; email?: unknown; phone?: unknown },
  by: AuditActor,
  now: number,
): Promise<SecurityContact> {
  const contact = validContact(input);
  const updatedBy = by.userId ?? by.name;
  await inTransaction(db, async (trx) => {
    await trx
      .insertInto('security_contacts')
      .values({ tenant_id: tenantId, ...contact, updated_at: now, updated_by: updatedBy })
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({ ...contact, updated_at: now, updated_by: updatedBy }),
      )
      .execute();
    await recordAuditEvent(
      trx,
      [tenantId],
      {
        category: 'SecurityRequirements',
        activity: 'Set security contact',
        actor: by,
        target: { type: 'securityContact', id: tenantId, name: contact.email },
      },
      now,
    );
  });
  return { ...contact, updatedAt: now, updatedBy };
}
