import type { Customer } from '../../partner-center/customers.ts';

/** Partner Center's `Customer` resource for one of Warden's customers (SPEC E2: customer management). */
export function customerShape(c: Customer) {
  return {
    id: c.id,
    companyProfile: { tenantId: c.customerTenantId, domain: c.domain, companyName: c.companyName },
    billingProfile: {
      email: c.profile.email,
      culture: c.profile.culture,
      language: c.profile.language,
      companyName: c.companyName,
      defaultAddress: {
        country: c.country,
        city: c.profile.city,
        postalCode: c.profile.postalCode,
        addressLine1: c.profile.addressLine1,
        phoneNumber: c.profile.phone,
      },
    },
    relationshipToPartner: c.relationship,
    allowDelegatedAccess: c.delegatedAdmin !== 'none',
    attributes: { objectType: 'Customer' },
  };
}

/** The `:id` of every `/customers/:id…` route: a customer id is a GUID. */
export const CUSTOMER_ID_PARAM = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
} as const;

export const NEW_CUSTOMER_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['companyProfile', 'billingProfile'],
  properties: {
    companyProfile: {
      type: 'object',
      additionalProperties: false,
      required: ['domain'],
      properties: {
        domain: {
          type: 'string',
          pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$',
          maxLength: 253,
        },
      },
    },
    billingProfile: {
      type: 'object',
      additionalProperties: false,
      required: ['email', 'companyName', 'defaultAddress'],
      properties: {
        email: { type: 'string', format: 'email', maxLength: 320 },
        culture: { type: 'string', maxLength: 16 },
        language: { type: 'string', maxLength: 8 },
        companyName: { type: 'string', minLength: 1, maxLength: 256 },
        defaultAddress: {
          type: 'object',
          additionalProperties: false,
          required: ['country', 'city', 'addressLine1'],
          properties: {
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
            city: { type: 'string', minLength: 1, maxLength: 128 },
            postalCode: { type: 'string', maxLength: 16 },
            addressLine1: { type: 'string', minLength: 1, maxLength: 256 },
            phoneNumber: { type: 'string', maxLength: 32 },
          },
        },
      },
    },
  },
} as const;

export interface NewCustomerBody {
  companyProfile: { domain: string };
  billingProfile: {
    email: string;
    culture?: string;
    language?: string;
    companyName: string;
    defaultAddress: {
      country: string;
      city: string;
      postalCode?: string;
      addressLine1: string;
      phoneNumber?: string;
    };
  };
}
