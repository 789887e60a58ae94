// Starts the CI-tools fixture server for a test: over HTTP as a child process
// (launch.ts waits for its "listening on" line), or as the `stdio:` target
// text the CI tools take.

import { fileURLToPath } from 'node:url';
import { type HttpBackendProcess, startHttpBackend } from '../backends/launch.ts';
import type { FixtureVariant } from './fixture-catalog.ts';

export const ciFixtureScript = fileURLToPath(new URL('./ci-fixture-server.ts', import.meta.url));

export function startFixtureServer(variant: FixtureVariant, extraArgs: string[] = []): Promise<HttpBackendProcess> {
  return startHttpBackend(ciFixtureScript, ['--variant', variant, ...extraArgs]);
}

/** `stdio:node …/ci-fixture-server.ts --variant V --stdio`, a CI-tools target (paths without spaces). */
export function fixtureStdioTarget(variant: FixtureVariant): string {
  return `stdio:${process.execPath} ${ciFixtureScript} --variant ${variant} --stdio`;
}
