// The arithmetic and wording of `npm run bench -- --peers`: each gateway's
// throughput over the best peer's at the run's highest concurrency, judged
// against the goals in docs/benchmarks.md (routing only >= 3x, the full chain >= 2x). Pure.

import type { ScenarioResult } from '../report.ts';
import { peerNames } from './peer-process.ts';

export const peerGoals = { 'gateway-routing': 3, 'gateway-full': 2 } as const;

export interface PeerRatio {
  /** e.g. `gateway-routing_over_best_peer_c64`. */
  key: string;
  gateway: keyof typeof peerGoals;
  concurrency: number;
  bestPeer: string;
  /** Gateway rps / best peer rps; NaN when a side had errors or answered nothing. */
  value: number;
  goal: number;
  isMet: boolean;
}

const isUsable = (side: ScenarioResult | undefined): side is ScenarioResult => side !== undefined && side.errors === 0 && side.requests > 0;

export function peerRatios(scenarios: readonly ScenarioResult[], concurrency: number): PeerRatio[] {
  const at = (name: string) => scenarios.find((scenario) => scenario.name === name && scenario.concurrency === concurrency);
  const peers = peerNames.map(at);
  const best = peers.reduce<ScenarioResult | undefined>((top, peer) => (peer !== undefined && (top === undefined || peer.rps > top.rps) ? peer : top), undefined);
  return (Object.keys(peerGoals) as Array<keyof typeof peerGoals>).map((gateway) => {
    const side = at(gateway);
    const value = isUsable(side) && peers.every(isUsable) && best !== undefined ? side.rps / best.rps : Number.NaN;
    const goal = peerGoals[gateway];
    return { key: `${gateway}_over_best_peer_c${concurrency}`, gateway, concurrency, bestPeer: best?.name ?? 'none', value, goal, isMet: value >= goal };
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

/** Every side and concurrency, then the ratios; the proxy's CPU per request, not the echo server's (peer-run.ts). */
export function formatPeerReport(scenarios: readonly ScenarioResult[], ratios: readonly PeerRatio[]): string {
  const sides = [['side', 'c', 'req/s', 'p50 ms', 'p99 ms', 'verified answers', 'errors', 'proxy CPU µs/req']];
  for (const scenario of scenarios) {
    sides.push([scenario.name, String(scenario.concurrency), scenario.rps.toFixed(0), scenario.p50_ms.toFixed(3), scenario.p99_ms.toFixed(3), String(scenario.requests), String(scenario.errors), scenario.gateway_cpu_us?.toFixed(0) ?? '']);
  }
  const judged = [['ratio', 'value', 'goal', 'verdict']];
  for (const ratio of ratios) judged.push([`${ratio.key} (best peer: ${ratio.bestPeer})`, Number.isNaN(ratio.value) ? 'n/a' : `${ratio.value.toFixed(2)}x`, `>= ${ratio.goal}x (issue 17)`, ratio.isMet ? 'pass' : 'miss']);
  return `${table(sides)}\n\n${table(judged)}`;
}

export function formatPeerJson(scenarios: readonly ScenarioResult[], ratios: readonly PeerRatio[]): string {
  const finite = (value: number) => (Number.isFinite(value) ? Number(value.toFixed(3)) : null);
  return JSON.stringify({
    scenarios: scenarios.map((scenario) => ({ name: scenario.name, concurrency: scenario.concurrency, rps: finite(scenario.rps), p50_ms: finite(scenario.p50_ms), p99_ms: finite(scenario.p99_ms), requests: scenario.requests, errors: scenario.errors, proxy_cpu_us: scenario.gateway_cpu_us === null ? null : finite(scenario.gateway_cpu_us) })),
    ratios: Object.fromEntries(ratios.map((ratio) => [ratio.key, finite(ratio.value)])),
    verdicts: Object.fromEntries(ratios.map((ratio) => [ratio.key, ratio.isMet ? 'pass' : 'miss'])),
  });
}
