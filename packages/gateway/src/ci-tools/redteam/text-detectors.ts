// What the red team looks for in text, as pure functions: instructions
// hidden in a tool's description (tool poisoning), and sensitive data in what
// a tool returns (red-team pattern 3, docs/ci-tools.md: PII should come back
// redacted and credentials masked). Evidence is always masked, so a report never
// repeats the secret it found.

export interface TextHit {
  kind: string;
  /** The matched text, masked: enough to find it, not enough to use it. */
  excerpt: string;
}

const POISONING_PATTERNS: ReadonlyArray<readonly [kind: string, pattern: RegExp]> = [
  ['instruction_tag', /<\s*\/?\s*(important|system|instructions?|secret)\s*>/i],
  ['override_instructions', /\b(ignore|disregard|forget)\b[^.]{0,30}\b(previous|prior|above|earlier|all)\b[^.]{0,20}\b(instructions?|prompts?|rules|guidelines)\b/i],
  ['conceal_from_user', /\b(do not|don't|never)\s+(tell|mention|inform|reveal|show|disclose)\b[^.]{0,60}\b(user|human|operator)\b/i],
  ['sensitive_file', /(~\/\.ssh|id_rsa|id_ed25519|\.aws\/credentials|\/etc\/passwd|\.npmrc|\.netrc|mcp\.json)/i],
  ['side_task', /\b(before|after|instead of)\s+(using|calling|invoking|running)\s+(this|any|the)\s+tool\b[^.]{0,100}\b(read|send|call|pass|include|upload|fetch)\b/i],
  ['exfiltration_target', /\b(send|forward|upload|post|exfiltrate|copy)\b[^.]{0,60}(https?:\/\/[^\s"']+|\b[\w.+-]+@[\w-]+\.[\w.]{2,})/i],
  ['chat_markup', /(<\|im_start\|>|<\|im_end\|>|\[INST\]|<<SYS>>|^\s*#{2,}\s*(system|assistant)\s*:)/im],
  ['hidden_characters', /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|[\u{E0000}-\u{E007F}]/u],
];

/** Instructions aimed at the model inside text a server wrote for it (descriptions, titles). */
export function findPoisoning(text: string): TextHit[] {
  const hits: TextHit[] = [];
  for (const [kind, pattern] of POISONING_PATTERNS) {
    const match = pattern.exec(text);
    if (match !== null) hits.push({ kind, excerpt: excerptAround(text, match.index, match[0].length) });
  }
  return hits;
}

const SENSITIVE_PATTERNS: ReadonlyArray<readonly [kind: string, pattern: RegExp, isValid?: (match: string) => boolean]> = [
  ['us_ssn', /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g],
  ['credit_card', /\b(?:\d[ -]?){12,18}\d\b/g, (match) => passesLuhn(match.replace(/\D/g, ''))],
  ['email_address', /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g],
  ['private_key', /-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----/g],
  ['aws_access_key', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ['github_token', /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g],
  ['slack_token', /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g],
];

/** Personal data and credentials in a tool's output. */
export function findSensitiveData(text: string): TextHit[] {
  const hits: TextHit[] = [];
  for (const [kind, pattern, isValid] of SENSITIVE_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      if (isValid !== undefined && !isValid(match[0])) continue;
      hits.push({ kind, excerpt: mask(match[0]) });
    }
  }
  return hits;
}

/** Luhn (ISO/IEC 7812-1): keeps order numbers and timestamps from passing for card numbers. */
export function passesLuhn(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Keeps the first two and last two characters. */
export function mask(secret: string): string {
  if (secret.length <= 6) return '*'.repeat(secret.length);
  return `${secret.slice(0, 2)}${'*'.repeat(secret.length - 4)}${secret.slice(-2)}`;
}

function excerptAround(text: string, index: number, length: number): string {
  const start = Math.max(0, index - 20);
  const end = Math.min(text.length, index + length + 20);
  const visible = text.slice(start, end).replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|[\u{E0000}-\u{E007F}]/gu, (character) => `\\u{${character.codePointAt(0)!.toString(16)}}`);
  return `${start > 0 ? '…' : ''}${visible}${end < text.length ? '…' : ''}`;
}
