// Pure redactors for what backends return (the third defense layer, docs/policies.md:
// "scan for and redact sensitive patterns: credentials, PII, internal system
// paths"). Each chosen pattern is compiled once and runs only when a cheap
// hint is in the text; emails have a hand-written scanner, card numbers and
// SSNs the digit-run scanner of number-redactors.ts. Candidates with a
// checksum (card numbers by Luhn, IBANs by ISO 13616 mod 97) are redacted
// only when it holds. Each redaction reports its kind under the audit record's
// names (`email_partial`).

import { numberRule } from './number-redactors.ts';

export { isCardNumber, passesLuhn } from './number-redactors.ts';

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

interface CustomRedaction {
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
  /**
   * The text with every match replaced; each kind redacted is added to
   * `kinds`. Returns `text` itself when nothing matched. `field`, the name of
   * the JSON member holding the text, is context (an `ssn` field makes nine
   * bare digits an SSN).
   */
  redactText(text: string, kinds: Set<string>, field?: string): string;
  /** A JSON number that is a card number or (in an SSN field) an SSN, as the redacted string; otherwise `value` itself. */
  redactNumber(value: number, kinds: Set<string>, field?: string): number | string;
  /** Redacts every string and number-shaped PII inside `value` (objects and arrays changed in place); returns the value (a new one for a string). */
  redactValue(value: unknown, kinds: Set<string>): unknown;
}

/** A redaction found in a text: the span, its replacement and its kind; `rank` breaks ties at one position. */
interface Found {
  start: number;
  end: number;
  replacement: string;
  kind: string;
  rank: number;
}

type Emit = (start: number, end: number, replacement: string, kind: string) => void;

interface Rule {
  /** A cheap pattern (no lookaround) that most texts fail; the finder runs only when it matches. All hints also form one quick test per text. */
  hint: RegExp;
  /** The finder is one pass of the hint's own pattern: testing the hint first would only scan twice. */
  isFindAsCheapAsHint?: boolean;
  find(text: string, emit: Emit, field?: string): void;
}

const mask = (kind: string) => `[REDACTED:${kind}]`;

/**
 * A rule from a global regular expression; `replace` returns `undefined` to
 * leave a candidate as it is (a checksum failed).
 */
function regexRule(source: string, hint: RegExp, replace: (match: string, groups: Record<string, string | undefined> | undefined) => { replacement: string; kind: string } | undefined): Rule {
  const pattern = new RegExp(source, 'g');
  return {
    hint,
    find(text, emit) {
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        const found = replace(match[0], match.groups);
        if (found !== undefined) emit(match.index, match.index + match[0].length, found.replacement, found.kind);
        if (match[0].length === 0) pattern.lastIndex++;
      }
    },
  };
}

function fixed(kind: string, source: string, hint: RegExp, label = kind): Rule {
  const found = { replacement: mask(label), kind };
  return regexRule(source, hint, () => found);
}

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

function internalHostRule(extraDomains: readonly string[]): Rule {
  // Configured domains first: `corp.example.com` must win over the built-in `corp`.
  const suffixes = [...extraDomains.map((domain) => domain.replace(/^\./, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), ...INTERNAL_SUFFIXES];
  const source = String.raw`(?:(?<![\w.@-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+(?:${suffixes.join('|')})(?![\w-]|\.[A-Za-z0-9])|${PRIVATE_IPV4})`;
  const hint = new RegExp(String.raw`\.(?:${suffixes.join('|')})|(?:10|192\.168|172)\.\d`);
  const found = { replacement: mask('internal_host'), kind: 'internal_host' };
  return regexRule(source, hint, (match) => (isPlausibleHost(match) ? found : undefined));
}

function rulesFor(name: RedactorName, options: RedactorOptions, chosen: ReadonlySet<RedactorName>): Rule[] {
  switch (name) {
    case 'ssn':
      // One scan of the digit runs finds both; it sits at credit_card's place when both are chosen.
      return chosen.has('credit_card') ? [] : [numberRule(false, true)];
    case 'credit_card':
      return [numberRule(true, chosen.has('ssn'))];
    case 'full_email':
      return [emailRule(() => mask('email'), 'email_full')];
    case 'partial_email':
      return [emailRule((email, at) => `${email[0]}***${email.slice(at)}`, 'email_partial')];
    case 'phone':
      return [regexRule(PHONE, PHONE_HINT, (match) => (digitCount(match) < 7 ? undefined : { replacement: maskAllButLastDigits(match, 4), kind: 'phone_partial' }))];
    case 'full_phone':
      return [regexRule(PHONE, PHONE_HINT, (match) => (digitCount(match) < 7 ? undefined : { replacement: mask('phone'), kind: 'phone_full' }))];
    case 'iban':
      return [ibanRule()];
    case 'aws_key':
      return [fixed('aws_access_key', AWS_ACCESS_KEY, /AKIA|ASIA|ABIA|ACCA/), fixed('aws_secret_key', AWS_SECRET_KEY, /aws_secret_access_key/)];
    case 'github_token':
      return [fixed('github_token', GITHUB_TOKEN, /gh[pousr]_|github_pat_/)];
    case 'slack_token':
      return [fixed('slack_token', SLACK_TOKEN, /xox[abposr]-|hooks\.slack\.com/)];
    case 'private_key':
      return [fixed('private_key', PRIVATE_KEY, /PRIVATE KEY-----/)];
    case 'jwt':
      return [fixed('jwt', JWT, /eyJ/)];
    case 'bearer_token':
      return [regexRule(BEARER, /[Bb]earer /, (_match, groups) => ({ replacement: `${groups?.bearerWord ?? 'Bearer '}${mask('bearer_token')}`, kind: 'bearer_token' }))];
    case 'internal_path':
      return [fixed('internal_path', INTERNAL_PATH, /\/(?:home|Users|root|etc|var|opt|srv|usr|tmp|mnt|data|private)\/|:\\|\\\\/)];
    case 'internal_host':
      return [internalHostRule(options.internalDomains ?? [])];
    default:
      return [];
  }
}

const PHONE_HINT = /\d{3}[ .-]\d{4}|\+\d{7}/;

/** IBANs: the candidate may run past the IBAN (a following word in capitals); the country's length says where it ends. */
function ibanRule(): Rule {
  const pattern = new RegExp(IBAN, 'g');
  return {
    hint: /[A-Z]{2}\d{2}/,
    find(text, emit) {
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        const end = ibanEnd(match[0]);
        if (end !== undefined) emit(match.index, match.index + end, mask('iban'), 'iban');
      }
    },
  };
}

// --- hand-written scanners for the patterns most results contain (emails, numbers): a regular
// expression with lookbehinds tried at every position cost several microseconds per record.

const isDigitCode = (code: number) => code >= 48 && code <= 57;
const isLetterCode = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
const isWordCode = (code: number) => isDigitCode(code) || isLetterCode(code) || code === 95;
/** RFC 5322 dot-atom characters as they appear in practice: letters, digits and . _ % + - ' (O'Brien) */
const isLocalCode = (code: number) => isWordCode(code) || code === 46 || code === 37 || code === 43 || code === 45 || code === 39;
const isDomainCode = (code: number) => isDigitCode(code) || isLetterCode(code) || code === 45 || code === 46;

/** Emails found from each `@`: the local part to its left, labels and a letters-only TLD to its right. */
function emailRule(replace: (email: string, at: number) => string, kind: string): Rule {
  return {
    hint: /@/,
    find(text, emit) {
      for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
        let start = at;
        while (start > 0 && isLocalCode(text.charCodeAt(start - 1))) start--;
        // An opening quote is the text's, not the address's: 'joe@example.com' keeps its quotes.
        while (start < at && text.charCodeAt(start) === 39) start++;
        if (start === at) continue;
        let end = at + 1;
        while (end < text.length && isDomainCode(text.charCodeAt(end))) end++;
        while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
        if (end < text.length && (text.charCodeAt(end) === 95 || text.charCodeAt(end) === 45)) continue;
        const lastDot = text.lastIndexOf('.', end - 1);
        if (lastDot <= at + 1 || end - lastDot - 1 < 2) continue;
        let isDomain = true;
        for (let i = lastDot + 1; i < end && isDomain; i++) isDomain = isLetterCode(text.charCodeAt(i));
        for (let i = at + 1; i < end && isDomain; i++) if (text.charCodeAt(i) === 46 && (i === at + 1 || text.charCodeAt(i - 1) === 46)) isDomain = false;
        if (!isDomain) continue;
        const email = text.slice(start, end);
        emit(start, end, replace(email, at - start), kind);
        at = end - 1;
      }
    },
  };
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

function expandRedactorNames(names: readonly RedactorName[]): Set<RedactorName> {
  const expanded = new Set<RedactorName>();
  for (const name of names) for (const member of GROUPS[name] ?? [name]) expanded.add(member);
  // Full masking wins over partial where both are asked for.
  if (expanded.has('full_email')) expanded.delete('partial_email');
  if (expanded.has('full_phone')) expanded.delete('phone');
  return expanded;
}

export function compileRedactor(options: RedactorOptions): Redactor {
  const chosen = expandRedactorNames(options.patterns);
  const rules = PRECEDENCE.filter((name) => chosen.has(name)).flatMap((name) => rulesFor(name, options, chosen));
  // One test per text: most strings in a result (names, tiers, cities) match no hint at all.
  const quick = rules.length === 0 ? undefined : new RegExp(rules.map((rule) => rule.hint.source).join('|'), 'u');
  const custom = (options.custom ?? []).map(({ name, pattern, replacement }) => ({
    name,
    pattern: new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
    replacement: replacement ?? mask(name),
  }));
  // What the rules find in the text at hand, and the rank of the rule running: one emitter for every call.
  let found: Found[] = [];
  let rank = 0;
  const emit: Emit = (start, end, replacement, kind) => void found.push({ start, end, replacement, kind, rank });

  function redactText(text: string, kinds: Set<string>, field?: string): string {
    let result = text;
    if (quick !== undefined && quick.test(text)) {
      for (rank = 0; rank < rules.length; rank++) {
        const rule = rules[rank]!;
        if (rules.length > 1 && rule.isFindAsCheapAsHint !== true && !rule.hint.test(text)) continue;
        rule.find(text, emit, field);
      }
      if (found.length > 0) {
        const taken = found;
        found = [];
        result = applyFound(text, taken, kinds);
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

  function redactNumber(value: number, kinds: Set<string>, field?: string): number | string {
    // Nine digits in a named member (an SSN), or 13 and more (a card); below 1e21 a number prints as plain digits.
    if (!(value >= 1e8 && value < 1e21) || !Number.isInteger(value) || (value < 1e9 ? field === undefined : value < 1e12)) return value;
    const text = String(value);
    const redacted = redactText(text, kinds, field);
    return redacted === text ? value : redacted;
  }

  function redactValue(value: unknown, kinds: Set<string>, depth: number, field: string | undefined): unknown {
    if (typeof value === 'string') return redactText(value, kinds, field);
    if (typeof value === 'number') return redactNumber(value, kinds, field);
    if (typeof value !== 'object' || value === null || depth > 64) return value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (typeof item === 'object' && item !== null) redactValue(item, kinds, depth + 1, field);
        else if (typeof item === 'string' || typeof item === 'number') value[i] = redactValue(item, kinds, depth + 1, field);
      }
      return value;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      if (typeof item === 'object' && item !== null) {
        redactValue(item, kinds, depth + 1, key);
      } else if (typeof item === 'string' || typeof item === 'number') {
        const redacted = redactValue(item, kinds, depth + 1, key);
        if (redacted !== item) record[key] = redacted;
      }
    }
    return value;
  }

  return { redactText, redactNumber, redactValue: (value, kinds) => redactValue(value, kinds, 0, undefined) };
}

/** Leftmost first, the higher-precedence rule on a tie; a span overlapping one already taken is dropped. */
function applyFound(text: string, found: Found[], kinds: Set<string>): string {
  if (found.length > 1) found.sort((a, b) => a.start - b.start || a.rank - b.rank);
  let result = '';
  let position = 0;
  for (const item of found) {
    if (item.start < position) continue;
    result += text.slice(position, item.start) + item.replacement;
    position = item.end;
    kinds.add(item.kind);
  }
  return result + text.slice(position);
}

// --- checks behind the candidates

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

/** Where the IBAN at the start of `candidate` ends (its country's length, spaces allowed), or `undefined` when the checksum fails. */
function ibanEnd(candidate: string): number | undefined {
  const length = IBAN_LENGTHS[candidate.slice(0, 2)];
  if (length === undefined) return undefined;
  let end = 0;
  let taken = 0;
  while (end < candidate.length && taken < length) {
    if (candidate[end] !== ' ') taken++;
    end++;
  }
  return taken === length && isIban(candidate.slice(0, end).replaceAll(' ', '')) ? end : undefined;
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
