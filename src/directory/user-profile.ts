import { DirectoryError } from './directory-error.ts';
import type { UserProfile } from './users.ts';

/**
 * The rules of Graph's `user` contact and job properties (Graph's user resource): the lengths it
 * documents (jobTitle 128, mobilePhone 64), one business phone at most ("only one number can be
 * set"), `mail` an SMTP address, `preferredLanguage` an ISO 639-1 language with an optional
 * ISO 3166 region (`en`, `en-US`, RFC 4646's form). Checked here so every path that writes a
 * user (Graph, the CLI, the demo) keeps them; the API's JSON schema repeats the lengths.
 */
export const PROFILE_LIMITS = {
  mail: 320,
  businessPhone: 64,
  jobTitle: 128,
  mobilePhone: 64,
  officeLocation: 128,
} as const;

const MAIL =
  /^[^@\s"(),:;<>[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const LANGUAGE = /^[a-z]{2}(?:-[A-Z]{2})?$/;
const LANGUAGES = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });
const REGIONS = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** ICU names every ISO 639-1 language and ISO 3166 region; a code it does not name is none. */
function knownLanguage(tag: string): boolean {
  const [language, region] = tag.split('-') as [string, string | undefined];
  return LANGUAGES.of(language) !== language && (region === undefined || REGIONS.of(region) !== region);
}

function invalid(property: string, why: string): DirectoryError {
  return new DirectoryError(
    'invalid',
    `Invalid value specified for property '${property}' of resource 'User': ${why}`,
  );
}

function text(property: string, value: string | null | undefined, max: number): string | null | undefined {
  if (value === undefined || value === null) return value;
  const trimmed = value.trim();
  if (trimmed.length > max) throw invalid(property, `at most ${max} characters.`);
  return trimmed === '' ? null : trimmed;
}

/** The given profile properties, checked and normalised (blank text is no value). */
export function checkedProfile(input: Partial<UserProfile>): Partial<UserProfile> {
  const out: Partial<UserProfile> = {};
  const mail = text('mail', input.mail, PROFILE_LIMITS.mail);
  if (mail !== undefined) {
    if (mail !== null && !MAIL.test(mail)) throw invalid('mail', 'not an SMTP address.');
    out.mail = mail === null ? null : mail.toLowerCase();
  }
  if (input.businessPhones !== undefined) {
    if (input.businessPhones.length > 1) throw invalid('businessPhones', 'only one number can be set.');
    out.businessPhones = input.businessPhones
      .map((phone) => text('businessPhones', phone, PROFILE_LIMITS.businessPhone))
      .filter((phone): phone is string => typeof phone === 'string');
  }
  const jobTitle = text('jobTitle', input.jobTitle, PROFILE_LIMITS.jobTitle);
  if (jobTitle !== undefined) out.jobTitle = jobTitle;
  const mobilePhone = text('mobilePhone', input.mobilePhone, PROFILE_LIMITS.mobilePhone);
  if (mobilePhone !== undefined) out.mobilePhone = mobilePhone;
  const officeLocation = text('officeLocation', input.officeLocation, PROFILE_LIMITS.officeLocation);
  if (officeLocation !== undefined) out.officeLocation = officeLocation;
  const language = text('preferredLanguage', input.preferredLanguage, 16);
  if (language !== undefined) {
    if (language !== null && (!LANGUAGE.test(language) || !knownLanguage(language)))
      throw invalid('preferredLanguage', "an ISO 639-1 language code such as 'en' or 'en-US'.");
    out.preferredLanguage = language;
  }
  return out;
}
