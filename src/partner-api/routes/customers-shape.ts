import type { Customer } from '../../partner-center/customers.ts';
import { selfLink } from '../responses.ts';

/**
 * Partner Center's `Customer` resource for one of Warden's customers (SPEC E2: customer
 * management), as the list shows it: no `allowDelegatedAccess` (reference §1.11: only get-by-id has it).
 */
export function customerShape(c: Customer) {
  const self = `/v1/customers/${c.id}`;
  return {
    id: c.id,
    companyProfile: {
      tenantId: c.customerTenantId,
      domain: c.domain,
      companyName: c.companyName,
      links: { self: selfLink(`${self}/profiles/company`) },
      attributes: { objectType: 'CustomerCompanyProfile' },
    },
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
      attributes: { objectType: 'CustomerBillingProfile' },
    },
    relationshipToPartner: c.relationship,
    // pc:developer/customer-resources.md: the customer's custom domains (a Warden tenant has one).
    customDomains: [c.domain],
    links: { self: selfLink(self) },
    attributes: { objectType: 'Customer' },
  };
}

/** One customer on its own (get, create, update): with `allowDelegatedAccess`, whether it still grants DAP. */
export function customerDetailShape(c: Customer) {
  const { attributes, ...rest } = customerShape(c);
  return { ...rest, allowDelegatedAccess: c.delegatedAdmin === 'dap', attributes };
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

const CUSTOMER_ATTRIBUTES = {
  type: 'object',
  additionalProperties: false,
  properties: { objectType: { const: 'Customer' }, etag: { type: 'string', maxLength: 256 } },
} as const;

/**
 * Partner Center's remove-DAP body (reference §1.11):
 * `{"AllowDelegatedAccess": false, "attributes": {"objectType": "Customer"}}`; Partner Center
 * documents the PascalCase name, its SDKs send camelCase, so both are taken. Nothing else of a
 * customer can be changed here.
 */
export const UPDATE_CUSTOMER_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allowDelegatedAccess: { type: 'boolean' },
    AllowDelegatedAccess: { type: 'boolean' },
    attributes: CUSTOMER_ATTRIBUTES,
    Attributes: CUSTOMER_ATTRIBUTES,
  },
  anyOf: [{ required: ['allowDelegatedAccess'] }, { required: ['AllowDelegatedAccess'] }],
} as const;

export interface UpdateCustomerBody {
  allowDelegatedAccess?: boolean;
  AllowDelegatedAccess?: boolean;
}
