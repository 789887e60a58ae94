// The footprint bench's figures, the goals docs/benchmarks.md sets for them, and the
// report: pure, so its arithmetic is tested (packages/testing/test/bench/footprint.test.ts);
// run.ts measures.

/** What one gateway configuration costs to start and to hold. */
export interface ProfileFootprint {
  /** `routing`: routing only; `full`: a real token, durable SQLite audit and the default policy chain. */
  profile: 'routing' | 'full';
  /** From spawning `gatehouse start` to its connection help (both listeners accept). */
  listeningMs: number;
  /** From spawning to /readyz answering 200 (every backend connected). */
  readyMs: number;
  /** CPU the gateway process used until ready (user + system): unlike readyMs, barely moved by other processes' load. */
  readyCpuMs: number;
  /** RSS once ready and idle for a second. */
  idleRssBytes: number;
  /** Of it, file-backed pages (RssFile): mostly node's own binary, which a bare `node -e` already holds about 34 MB of. */
  idleRssFileBytes: number;
  /** The highest RSS sampled while 64 clients call echo in a closed loop. */
  loadRssBytes: number;
  /** Echo calls per second during that load, to show the load was real. */
  loadRps: number;
  /** The gateway's CPU (user + system) during that load per call answered: the figure a V8 flag's throughput cost shows in, little moved by other load. */
  loadCpuUsPerCall: number;
  loadErrors: number;
  /** RSS 20 s after the load ended, the clients still connected: by then V8's memory reducer has run (about 10-15 s after allocation slows) and given back what it could. */
  settledRssBytes: number;
}

export interface ImportFootprint {
  /** Without the compile cache, and with it on a second run (the cache warm). */
  coldMs: number;
  warmMs: number;
  rssBytes: number;
}

export interface FootprintGoal {
  name: string;
  value: number;
  limit: number;
  unit: 'MB' | 'ms';
  isMet: boolean;
}

const MB = 1024 * 1024;

/** The footprint goals (docs/benchmarks.md, "Footprint"), each checked against the full chain's figure. */
export function footprintGoals(full: ProfileFootprint): FootprintGoal[] {
  const goal = (name: string, value: number, limit: number, unit: FootprintGoal['unit']): FootprintGoal => ({ name, value, limit, unit, isMet: value <= limit });
  return [
    goal('idle RSS, full chain', full.idleRssBytes / MB, 100, 'MB'),
    goal('RSS at c=64, full chain', full.loadRssBytes / MB, 200, 'MB'),
    goal('ready after start, full chain', full.readyMs, 300, 'ms'),
  ];
}

/** full / routing for each figure: what the enterprise chain adds to the footprint. */
export function footprintRatios(routing: ProfileFootprint, full: ProfileFootprint): Record<string, number> {
  return {
    idle_rss: full.idleRssBytes / routing.idleRssBytes,
    load_rss: full.loadRssBytes / routing.loadRssBytes,
    ready: full.readyMs / routing.readyMs,
    load_rps: full.loadRps / routing.loadRps,
  };
}

export function formatFootprintReport(profiles: readonly ProfileFootprint[], importing: ImportFootprint): string {
  const rows = [['profile', 'listening ms', 'ready ms', 'CPU to ready ms', 'idle RSS MB', 'of it file MB', 'RSS c=64 MB', 'c=64 rps', 'c=64 CPU µs/call', 'errors', 'RSS 20 s after MB']];
  for (const profile of profiles) {
    rows.push([profile.profile, profile.listeningMs.toFixed(0), profile.readyMs.toFixed(0), profile.readyCpuMs.toFixed(0), (profile.idleRssBytes / MB).toFixed(1), (profile.idleRssFileBytes / MB).toFixed(1), (profile.loadRssBytes / MB).toFixed(1), profile.loadRps.toFixed(0), profile.loadCpuUsPerCall.toFixed(0), String(profile.loadErrors), (profile.settledRssBytes / MB).toFixed(1)]);
  }
  const lines = [table(rows), '(file: file-backed pages, mostly node\'s own binary: shared between processes and reclaimable)', '', `import gateway.ts: ${importing.coldMs.toFixed(0)} ms without the compile cache, ${importing.warmMs.toFixed(0)} ms with it warm; RSS after import ${(importing.rssBytes / MB).toFixed(1)} MB`];
  const routing = profiles.find((profile) => profile.profile === 'routing');
  const full = profiles.find((profile) => profile.profile === 'full');
  if (routing !== undefined && full !== undefined) {
    const ratios = footprintRatios(routing, full);
    lines.push('', `full / routing: idle RSS ${ratios.idle_rss!.toFixed(2)}x, RSS at c=64 ${ratios.load_rss!.toFixed(2)}x, ready ${ratios.ready!.toFixed(2)}x, c=64 rps ${ratios.load_rps!.toFixed(2)}x`);
  }
  if (full !== undefined) {
    lines.push('', table([['goal (issue 17)', 'value', 'limit', 'verdict'], ...footprintGoals(full).map((goal) => [goal.name, `${goal.value.toFixed(goal.unit === 'MB' ? 1 : 0)} ${goal.unit}`, `<= ${goal.limit} ${goal.unit}`, goal.isMet ? 'pass' : 'miss'])]));
  }
  return lines.join('\n');
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
