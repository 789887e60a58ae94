// Server-to-client traffic through the gateway for each of the four pairings
// of client and backend revision: elicitation (form, URL), sampling, roots,
// progress, logging, cancellation, resource updates and list changes, with
// the same scenarios the test backends pass when called directly. Each
// pairing gets its own gateway, so the backends' identical resource URIs
// never compete for ownership.

import { after, before, describe } from 'node:test';
import { describeInteractiveScenarios } from '@gatehouse/testing/clients/interactive-scenarios';
import { PAIRINGS, startPairedGateway, type PairedGateway, type Pairing } from '../fixtures/interactive-pairings.ts';

/** One pairing: a gateway in front of one backend, and the shared scenarios through it. */
function describePairing(pairing: Pairing): void {
  describe(pairing.title, () => {
    let paired: PairedGateway;
    before(async () => {
      paired = await startPairedGateway(pairing);
    });
    after(async () => {
      await paired?.close();
    });
    describeInteractiveScenarios({
      connect: (handlers) => pairing.connect(paired.gateway.url, handlers),
      counterUri: `test://${pairing.backend}/counter`,
      toolName: (tool) => `${paired.name}__${tool}`,
      sharesBackend: true,
    });
  });
}

for (const pairing of PAIRINGS) describePairing(pairing);
