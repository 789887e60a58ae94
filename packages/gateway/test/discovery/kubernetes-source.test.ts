// Kubernetes label-based discovery against a fake API server (no cluster
// runs here): Services with the label become backends of a running gateway;
// watch events add and remove them; an ended watch resumes from the last
// resourceVersion; an expired version (410) makes the source list again.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { ANNOTATIONS, backendFromService } from '../../src/discovery/kubernetes-source.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig } from '../fixtures/gateway-config.ts';
import { connectV2, firstText } from '../fixtures/clients.ts';
import { startFakeKubernetesApi, type FakeKubernetesApi, type FakeService } from '../fixtures/fake-kubernetes-api.ts';
import { eventually } from '../fixtures/eventually.ts';

const LABEL = { 'app.kubernetes.io/component': 'mcp-backend' };

function service(name: string, port: number, extra: { annotations?: Record<string, string>; labels?: Record<string, string> } = {}): FakeService {
  return {
    metadata: { name, namespace: 'tools', uid: `uid-${name}`, labels: extra.labels ?? LABEL, ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }) },
    spec: { clusterIP: '127.0.0.1', ports: [{ name: 'mcp', port }, { name: 'metrics', port: 9090 }] },
  };
}

describe('backendFromService', () => {
  const config = { address: 'dns' as const, scheme: 'http' as const, path: '/mcp', timeoutMs: 30_000 };
  it('uses the cluster DNS name and the first port by default', () => {
    assert.deepEqual(backendFromService(service('crm', 8000), 'tools', config), { entry: { name: 'crm', url: 'http://crm.tools.svc:8000/mcp', timeout_ms: 30_000 } });
  });
  it('takes name, port, path and scheme from annotations', () => {
    const annotated = service('crm-v2', 8000, { annotations: { [ANNOTATIONS.name]: 'crm', [ANNOTATIONS.port]: '9090', [ANNOTATIONS.path]: '/v2/mcp', [ANNOTATIONS.scheme]: 'https' } });
    assert.deepEqual(backendFromService(annotated, 'tools', { ...config, address: 'cluster_ip' }), { entry: { name: 'crm', url: 'https://127.0.0.1:9090/v2/mcp', timeout_ms: 30_000 } });
  });
  it('says why a Service cannot be a backend', () => {
    assert.match((backendFromService(service('crm', 1, { annotations: { [ANNOTATIONS.port]: 'web' } }), 'tools', config) as { problem: string }).problem, /no port named or numbered "web"/);
    const headless = { ...service('crm', 1), spec: { clusterIP: 'None', ports: [{ port: 1 }] } };
    assert.match((backendFromService(headless, 'tools', { ...config, address: 'cluster_ip' }) as { problem: string }).problem, /headless/);
  });
});

describe('Kubernetes discovery against a fake API server', () => {
  let backend: HttpBackendProcess;
  let port: number;
  let api: FakeKubernetesApi;
  let directory: string;
  let gateway: RunningGateway;

  before(async () => {
    backend = await startHttpBackend(backendScripts.v2);
    port = Number(new URL(backend.url).port);
    api = await startFakeKubernetesApi([service('crm', port), service('unlabelled', port, { labels: { app: 'web' } })]);
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-k8s-'));
    await writeFile(join(directory, 'token'), 'service-account-token\n');
    gateway = await startGateway(
      {
        ...gatewayConfig([]),
        // Discovered backends go through the outbound guard (docs/security.md section 3): this test's backends are on loopback.
        outbound: { allow: ['127.0.0.1'], timeoutMs: 10_000, maxResponseBytes: 1_048_576 },
        discovery: {
          directory: undefined,
          dnsSrv: [],
          kubernetes: { namespace: 'tools', labelSelector: 'app.kubernetes.io/component=mcp-backend', apiUrl: api.url, tokenFile: join(directory, 'token'), caFile: undefined, address: 'cluster_ip', scheme: 'http', path: '/mcp', timeoutMs: 5_000 },
        },
      },
      { logger: silentLogger, hasAdmin: false },
    );
  });

  after(async () => {
    await gateway?.close();
    await api?.close();
    await backend?.close();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it('follows Services with the label through list, watch, a resumed watch and an expired version', async () => {
    const client = await connectV2(gateway.url, 'legacy');
    const tools = async () => (await client.listTools()).tools.map((tool) => tool.name).filter((name) => name.endsWith('__echo'));
    try {
      // Listed: the labelled Service only, asked for with the selector and the service account's token.
      await eventually(async () => assert.deepEqual(await tools(), ['crm__echo']));
      assert.equal(firstText(await client.callTool({ name: 'crm__echo', arguments: { message: 'from a Service' } })), 'from a Service');
      const list = api.requests.find((request) => request.query.get('watch') === null)!;
      assert.equal(list.path, '/api/v1/namespaces/tools/services');
      assert.equal(list.query.get('labelSelector'), 'app.kubernetes.io/component=mcp-backend');
      assert.equal(list.authorization, 'Bearer service-account-token');

      // Watched: ADDED with annotations naming the backend and its port.
      api.apply('ADDED', service('docs-server', port, { annotations: { [ANNOTATIONS.name]: 'docs', [ANNOTATIONS.port]: 'mcp', [ANNOTATIONS.path]: '/mcp' } }));
      await eventually(async () => assert.deepEqual(await tools(), ['crm__echo', 'docs__echo']));

      // The watch ends; the source resumes from the last version it saw, so a later DELETED still arrives.
      const seenVersion = api.resourceVersion();
      api.endWatches();
      await eventually(async () => assert.ok(api.requests.some((request) => request.query.get('watch') === '1' && request.query.get('resourceVersion') === String(seenVersion))));
      api.apply('DELETED', service('crm', port));
      await eventually(async () => assert.deepEqual(await tools(), ['docs__echo']));

      // The version expires (410 Gone): the source lists again and watches from the new version.
      const lists = api.requests.filter((request) => request.query.get('watch') === null).length;
      api.expire();
      await eventually(async () => assert.ok(api.requests.filter((request) => request.query.get('watch') === null).length > lists));
      await sleep(200);
      api.apply('ADDED', service('crm', port));
      await eventually(async () => assert.deepEqual(await tools(), ['crm__echo', 'docs__echo']));
    } finally {
      await client.close();
    }
  });
});
