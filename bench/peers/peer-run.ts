// `npm run bench -- --peers`: the gateway beside the Node MCP proxies people
// run instead (supergateway, mcp-proxy; peer-process.ts), all fronting the
// same SDK v1 echo server over stdio, measured in the same rotating rounds at
// c=1 and c=64 (2025-11-25, the revision the echo server speaks). The gateway
// twice: routing only through `/servers/b/mcp`, and the enterprise chain (a
// real token, durable SQLite audit, the default policy chain) through `/mcp`.
// The report divides each gateway's c=64 throughput by the best peer's.

import { openClientFleet } from '../client-fleet.ts';
import type { Cleanup } from '../cleanup.ts';
import { describeScenario, measureSidesInRounds, type ComparisonSettings, type Side } from '../compare.ts';
import { fetchAgentToken } from '../feature-run.ts';
import { AUDIT_YAML, AUTHENTICATION_YAML, DEFAULT_CHAIN_YAML } from '../features.ts';
import { startGatewayProcess } from '../gateway-process.ts';
import type { ScenarioResult } from '../report.ts';
import { backendScripts } from '../../packages/testing/src/backends/launch.ts';
import { peerNames, startPeer } from './peer-process.ts';
import { peerRatios, type PeerRatio } from './peer-report.ts';

export interface PeerRunResult {
  scenarios: ScenarioResult[];
  ratios: PeerRatio[];
}

/** The echo server over stdio as the gateway's one backend, `b`. */
export function stdioEchoBackendYaml(): string {
  return ['backends:', '  - name: b', `    command: ${JSON.stringify(process.execPath)}`, `    args: [${JSON.stringify(backendScripts.v1)}, "--stdio"]`, ''].join('\n');
}

interface Contender {
  name: string;
  url: string;
  toolName: string;
  pid: number;
  headers?: Record<string, string>;
}

async function startContenders(cleanup: Cleanup): Promise<Contender[]> {
  const backendsYaml = stdioEchoBackendYaml();
  const routing = await startGatewayProcess('', '', { backendsYaml });
  cleanup.add('the routing-only gateway', () => routing.close());
  const full = await startGatewayProcess('', AUTHENTICATION_YAML + AUDIT_YAML + DEFAULT_CHAIN_YAML, { backendsYaml });
  cleanup.add('the full-chain gateway', () => full.close());
  const contenders: Contender[] = [
    { name: 'gateway-routing', url: new URL('/servers/b/mcp', routing.url).href, toolName: 'echo', pid: routing.process.pid! },
    { name: 'gateway-full', url: full.url, toolName: 'b__echo', pid: full.process.pid!, headers: { authorization: `Bearer ${await fetchAgentToken(full.url)}` } },
  ];
  for (const name of peerNames) {
    const peer = await startPeer(name);
    cleanup.add(name, () => peer.close());
    contenders.push({ name, url: peer.url, toolName: 'echo', pid: peer.process.pid! });
  }
  return contenders;
}

export async function runPeers(concurrencies: readonly number[], settings: ComparisonSettings, cleanup: Cleanup, nextId: () => number): Promise<PeerRunResult> {
  const contenders = await startContenders(cleanup);
  const scenarios: ScenarioResult[] = [];
  for (const [index, concurrency] of concurrencies.entries()) {
    process.stderr.write(`bench: [${index + 1}/${concurrencies.length}] c=${concurrency}: ${contenders.map((contender) => contender.name).join(', ')} in ${settings.rounds} rotating rounds\n`);
    const sides: Side[] = [];
    try {
      for (const contender of contenders) {
        const fleet = await openClientFleet(contender.url, contender.toolName, '2025-11-25', concurrency, nextId, contender.headers);
        sides.push({ name: contender.name, fleet, gatewayPid: contender.pid });
      }
      // The echo server's CPU is not one process here (supergateway starts one per session): the
      // load generator's own pid stands in, and the report leaves the backend column out.
      for (const result of await measureSidesInRounds(sides, process.pid, concurrency, settings, nextId)) {
        process.stderr.write(`bench:   ${describeScenario(result)}\n`);
        scenarios.push(result);
      }
    } finally {
      await Promise.all(sides.map((side) => side.fleet.close()));
    }
  }
  return { scenarios, ratios: peerRatios(scenarios, Math.max(...concurrencies)) };
}
