// Whether a server's version moved by a major step, the signal that breaking
// schema changes are intended: a build with breaking changes and no such
// step fails (docs/ci-tools.md, `gatehouse schema`). Semantic
// Versioning 2.0.0 §4: below 1.0.0 anything may change, so a 0.x server's
// minor step counts as major, as npm's caret ranges treat it.

export interface VersionStep {
  isMajorBump: boolean;
  reason: string;
}

export function versionStep(before: string, after: string): VersionStep {
  const old = parseVersion(before);
  const now = parseVersion(after);
  if (old === undefined || now === undefined) {
    return { isMajorBump: false, reason: `cannot compare versions "${before}" and "${after}" (expected MAJOR.MINOR.PATCH)` };
  }
  if (now.major > old.major) return { isMajorBump: true, reason: `major version ${old.major} -> ${now.major}` };
  if (old.major === 0 && now.major === 0 && now.minor > old.minor) return { isMajorBump: true, reason: `0.x minor version ${old.minor} -> ${now.minor} (semver: 0.x may break on a minor step)` };
  return { isMajorBump: false, reason: `version ${before} -> ${after} is not a major step` };
}

function parseVersion(text: string): { major: number; minor: number } | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(text.trim());
  return match === null ? undefined : { major: Number(match[1]), minor: Number(match[2]) };
}
