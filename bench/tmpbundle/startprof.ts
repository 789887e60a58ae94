import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendScripts, startHttpBackend } from '../../packages/testing/src/backends/launch.ts';
import { benchGatewayConfig } from '../gateway-process.ts';
import { AUDIT_YAML, AUTHENTICATION_YAML, DEFAULT_CHAIN_YAML } from '../features.ts';
const [cli, profile, profDir] = process.argv.slice(2);
const backend = await startHttpBackend(backendScripts.v2);
const dir = mkdtempSync('/tmp/sp-');
writeFileSync(dir + '/g.yaml', benchGatewayConfig(backend.url, (profile === 'full' ? AUTHENTICATION_YAML + AUDIT_YAML + DEFAULT_CHAIN_YAML : '').replaceAll('${BENCH_DIR}', dir)).replace('admin_port: 0', 'admin_port: 39555'));
const t0 = performance.now();
const flags = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
const child = spawn(process.execPath, ['--max-semi-space-size=8', ...flags, cli!, 'start', '--config', dir + '/g.yaml'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'warn' } });
for (;;) { const s = await fetch('http://127.0.0.1:39555/readyz').then((r) => r.status, () => 0); if (s === 200) break; await sleep(5); }
console.log(profile, 'ready ms', (performance.now() - t0).toFixed(0));
child.kill('SIGTERM'); await new Promise((r) => child.on('exit', r)); await backend.close();
