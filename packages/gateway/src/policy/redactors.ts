// Pure redactors for what backends return (the seed's defense layer 3:
// "scan for and redact sensitive patterns: credentials, PII, internal system
// paths"). Every chosen pattern joins one alternation compiled once, so a
// string is scanned in one pass; candidates with a checksum (card numbers by
// Luhn, IBANs by ISO 13616 mod 97) are redacted only when it holds. Each
// redaction reports its kind under the seed's audit names (`email_partial`).

/** Names accepted in settings (`patterns: [ssn, credit_card, full_email]`), including groups. */
export const REDACTOR_NAMES = [
  'ssn', 'credit_card', 'full_email', 'partial_email', 'email', 'phone', 'full_phone', 'iban',
  'aws_key', 'github_token', 'slack_token', 'private_key', 'jwt', 'bearer_token', 'api_keys',
  'internal_path', 'internal_host', 'pii', 'secrets',
] as const;

export type RedactorName = (typeof REDACTOR_NAMES)[number];

const GROUPS: Readonly<Partial<Record<RedactorName, readonly RedactorName[]>>> = {
  email: ['partial_email'],
  api_keys: ['aws_key', 'github_token', 'slack_token', 'private_key', 'jwt', 'bearer_token'],
  secrets: ['aws_key', 'github_token', 'slack_token', 'private_key', 'jwt', 'bearer_token'],
  pii: ['ssn', 'credit_card', 'partial_email', 'phone', 'iban'],
};

export interface CustomRedaction {
  /** Reported as the redaction kind. */
  name: string;
  pattern: RegExp;
  /** Default `[REDACTED:{name}]`. */
  replacement?: string;
}

export interface RedactorOptions {
  patterns: readonly RedactorName[];
  custom?: readonly CustomRedaction[];
  /** Extra internal DNS suffixes for `internal_host` (`corp.example.com`). */
  internalDomains?: readonly string[];
}

export interface Redactor {
  /** The text with every match replaced; each kind redacted is added to `kinds`. Returns `text` itself when nothing matched. */
  redactText(text: string, kinds: Set<string>): string;
  /** Redacts every string inside `value` (objects and arrays changed in place); returns the value (a new one for a string). */
  redactValue(value: unknown, kinds: Set<string>): unknown;
}

interface Rule {
  /** Exactly one pattern per chosen name; no capturing groups except named ones unique to the rule. */
  source: string;
  /** The replacement, or `undefined` to leave the candidate as it is (a checksum failed). */
  replace(match: string, groups: Record<string, string | undefined>, kinds: Set<string>): string | undefined;
}

const mask = (kind: string) => `[REDACTED:${kind}]`;

function fixed(kind: string, source: string, label = kind): Rule {
  const replacement = mask(label);
  return { source, replace: (_match, _groups, kinds) => (kinds.add(kind), replacement) };
}

const SSN = String.raw`(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])`;
// 4-4-4-4 with one consistent separator, Amex 4-6-5, or a bare run of 13-19 digits.
const CARD = String.raw`(?<![\w-])(?:\d{4}(?<cardSeparator>[ -]?)\d{4}\k<cardSeparator>\d{4}\k<cardSeparator>\d{4}|3[47]\d{2}[ -]?\d{6}[ -]?\d{5}|\d{13,19})(?![\w-])`;
const EMAIL = String.raw`(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])`;
// International with a leading +, or North American (415) 555-0132 / 415-555-0132 / 415.555.0132.
const PHONE = String.raw`(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){2,4}|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4})(?![\d-])`;
const IBAN = String.raw`(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![a-z0-9])`;
const PRIVATE_KEY = String.raw`-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?-----END[A-Z ]*PRIVATE KEY-----`;
const AWS_ACCESS_KEY = String.raw`(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])`;
const AWS_SECRET_KEY = String.raw`(?<=aws_secret_access_key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])`;
const GITHUB_TOKEN = String.raw`(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])`;
const SLACK_TOKEN = String.raw`(?:(?<![A-Za-z0-9-])xox[abposr]-[A-Za-z0-9-]{10,}|https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+)`;
const BEARER = String.raw`(?<![A-Za-z])(?<bearerWord>[Bb]earer[ ]+)[A-Za-z0-9._~+/-]{16,}=*`;
const JWT = String.raw`(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]*`;
const INTERNAL_PATH = String.raw`(?:(?<![\w/.~-])/(?:home|Users|root|etc|var|opt|srv|usr|tmp|mnt|data|private)/[^\s"'<>()\[\]{},;]+|(?<![\w])[A-Za-z]:\\(?:Users|Windows|ProgramData|Program Files)\\[^\s"'<>]+|\\\\[A-Za-z0-9.-]+\\[^\s"'<>]+)`;
const PRIVATE_IPV4 = String.raw`(?<![\d.])(?:10(?:\.\d{1,3}){3}|192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2})(?![\d.])`;
const INTERNAL_SUFFIXES = ['internal', 'local', 'localdomain', 'corp', 'lan', 'intranet', 'home\\.arpa'];

function internalHostSource(extraDomains: readonly string[]): string {
  // Configured domains first: `corp.example.com` must win over the built-in `corp`.
  const suffixes = [...extraDomains.map((domain) => domain.replace(/^\./, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), ...INTERNAL_SUFFIXES];
  return String.raw`(?:(?<![\w.@-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+(?:${suffixes.join('|')})(?![\w-]|\.[A-Za-z0-9])|${PRIVATE_IPV4})`;
}

function rulesFor(name: RedactorName, options: RedactorOptions): Rule[] {
  switch (name) {
    case 'ssn':
      return [fixed('ssn', SSN)];
    case 'credit_card':
      return [{ source: CARD, replace: (match, _groups, kinds) => (isCardNumber(match.replace(/[ -]/g, '')) ? (kinds.add('credit_card'), mask('credit_card')) : undefined) }];
    case 'full_email':
      return [fixed('email_full', EMAIL, 'email')];
    case 'partial_email':
      return [{ source: EMAIL, replace: (match, _groups, kinds) => (kinds.add('email_partial'), `${match[0]}***${match.slice(match.indexOf('@'))}`) }];
    case 'phone':
      return [{ source: PHONE, replace: (match, _groups, kinds) => (digitCount(match) < 7 ? undefined : (kinds.add('phone_partial'), maskAllButLastDigits(match, 4))) }];
    case 'full_phone':
      return [{ source: PHONE, replace: (match, _groups, kinds) => (digitCount(match) < 7 ? undefined : (kinds.add('phone_full'), mask('phone'))) }];
    case 'iban':
      return [{ source: IBAN, replace: (match, _groups, kinds) => redactIban(match, kinds) }];
    case 'aws_key':
      return [fixed('aws_access_key', AWS_ACCESS_KEY), fixed('aws_secret_key', AWS_SECRET_KEY)];
    case 'github_token':
      return [fixed('github_token', GITHUB_TOKEN)];
    case 'slack_token':
      return [fixed('slack_token', SLACK_TOKEN)];
    case 'private_key':
      return [fixed('private_key', PRIVATE_KEY)];
    case 'jwt':
      return [fixed('jwt', JWT)];
    case 'bearer_token':
      return [{ source: BEARER, replace: (_match, groups, kinds) => (kinds.add('bearer_token'), `${groups.bearerWord ?? 'Bearer '}${mask('bearer_token')}`) }];
    case 'internal_path':
      return [fixed('internal_path', INTERNAL_PATH)];
    case 'internal_host':
      return [{ source: internalHostSource(options.internalDomains ?? []), replace: (match, _groups, kinds) => (isPlausibleHost(match) ? (kinds.add('internal_host'), mask('internal_host')) : undefined) }];
    default:
      return [];
  }
}

/**
 * Rules are ordered so that, at one position, the longer and more specific
 * pattern wins: a private key block before the JWT inside it, `Bearer <jwt>`
 * before the bare JWT, an email before the internal host in its domain, a
 * card number before the phone-like digits in it.
 */
const PRECEDENCE: readonly RedactorName[] = [
  'private_key', 'bearer_token', 'jwt', 'aws_key', 'github_token', 'slack_token', 'full_email', 'partial_email',
  'iban', 'credit_card', 'ssn', 'full_phone', 'phone', 'internal_path', 'internal_host',
];

export function expandRedactorNames(names: readonly RedactorName[]): Set<RedactorName> {
  const expanded = new Set<RedactorName>();
  for (const name of names) for (const member of GROUPS[name] ?? [name]) expanded.add(member);
  // Full masking wins over partial where both are asked for.
  if (expanded.has('full_email')) expanded.delete('partial_email');
  if (expanded.has('full_phone')) expanded.delete('phone');
  return expanded;
}

export function compileRedactor(options: RedactorOptions): Redactor {
  const chosen = expandRedactorNames(options.patterns);
  const rules = PRECEDENCE.filter((name) => chosen.has(name)).flatMap((name) => rulesFor(name, options));
  const combined = rules.length === 0 ? undefined : new RegExp(rules.map((rule, index) => `(?<r${index}>${rule.source})`).join('|'), 'g');
  const custom = (options.custom ?? []).map(({ name, pattern, replacement }) => ({
    name,
    pattern: new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
    replacement: replacement ?? mask(name),
  }));

  function redactText(text: string, kinds: Set<string>): string {
    let result = text;
    if (combined !== undefined) {
      combined.lastIndex = 0;
      if (combined.test(result)) {
        combined.lastIndex = 0;
        result = result.replace(combined, (...args: unknown[]) => {
          const groups = args[args.length - 1] as Record<string, string | undefined>;
          const match = args[0] as string;
          for (let i = 0; i < rules.length; i++) {
            if (groups[`r${i}`] === undefined) continue;
            return rules[i]!.replace(match, groups, kinds) ?? match;
          }
          return match;
        });
      }
    }
    for (const { name, pattern, replacement } of custom) {
      pattern.lastIndex = 0;
      if (!pattern.test(result)) continue;
      pattern.lastIndex = 0;
      kinds.add(name);
      result = result.replace(pattern, replacement);
    }
    return result;
  }

  function redactValue(value: unknown, kinds: Set<string>, depth = 0): unknown {
    if (typeof value === 'string') return redactText(value, kinds);
    if (typeof value !== 'object' || value === null || depth > 64) return value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (typeof item === 'string') value[i] = redactText(item, kinds);
        else if (typeof item === 'object' && item !== null) redactValue(item, kinds, depth + 1);
      }
      return value;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      if (typeof item === 'string') {
        const redacted = redactText(item, kinds);
        if (redacted !== item) record[key] = redacted;
      } else if (typeof item === 'object' && item !== null) {
        redactValue(item, kinds, depth + 1);
      }
    }
    return value;
  }

  return { redactText, redactValue: (value, kinds) => redactValue(value, kinds) };
}

// --- checks behind the candidates

/** Luhn (ISO/IEC 7812-1 annex B) over a digit string. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** A card number: a known issuer prefix and length (ISO/IEC 7812 IINs of the major schemes) and a valid Luhn digit. */
export function isCardNumber(digits: string): boolean {
  const length = digits.length;
  if (length < 13 || length > 19) return false;
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  const isKnownIssuer =
    (digits[0] === '4' && (length === 13 || length === 16 || length === 19)) || // Visa
    (((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) && length === 16) || // Mastercard
    ((two === 34 || two === 37) && length === 15) || // American Express
    ((digits.startsWith('6011') || two === 65 || (four >= 6440 && four <= 6499)) && length >= 16) || // Discover
    ((two === 36 || two === 38 || (four >= 3000 && four <= 3059)) && length >= 14) || // Diners Club
    (four >= 3528 && four <= 3589 && length >= 16) || // JCB
    (two === 62 && length >= 16) || // UnionPay
    ((two === 50 || (two >= 56 && two <= 69)) && length >= 12); // Maestro
  return isKnownIssuer && passesLuhn(digits);
}

/** IBAN lengths by country (ISO 13616 registry). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24,
  DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29,
  RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22,
  VG: 24, XK: 20,
};

/** ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 must be 1. */
export function isIban(compact: string): boolean {
  if (IBAN_LENGTHS[compact.slice(0, 2)] !== compact.length) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    const value = code >= 65 && code <= 90 ? code - 55 : code - 48;
    if (value < 0 || value > 35) return false;
    remainder = value > 9 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/** The candidate may run past the IBAN (a following word in capitals): the country's length says where it ends. */
function redactIban(match: string, kinds: Set<string>): string | undefined {
  const length = IBAN_LENGTHS[match.slice(0, 2)];
  if (length === undefined) return undefined;
  let end = 0;
  let taken = 0;
  while (end < match.length && taken < length) {
    if (match[end] !== ' ') taken++;
    end++;
  }
  if (taken < length || !isIban(match.slice(0, end).replaceAll(' ', ''))) return undefined;
  kinds.add('iban');
  return mask('iban') + match.slice(end);
}

function digitCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) count++;
  return count;
}

/** `+1 415-555-0132` -> `+* ***-***-0132`: separators kept, so the shape still reads as a phone number. */
function maskAllButLastDigits(text: string, keep: number): string {
  let remaining = digitCount(text) - keep;
  let result = '';
  for (const character of text) {
    if (character >= '0' && character <= '9' && remaining > 0) {
      result += '*';
      remaining--;
    } else {
      result += character;
    }
  }
  return result;
}

function isPlausibleHost(match: string): boolean {
  if (!/^[\d.]+$/.test(match)) return true;
  return match.split('.').every((octet) => Number(octet) <= 255);
}
