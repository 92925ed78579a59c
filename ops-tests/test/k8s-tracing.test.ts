import { describe, expect, test } from 'vitest';
import { tempDir } from '@shop/platform/tools/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { schemaErrors, unknownFieldErrors } from '../src/k8s-schema.js';
import { kustomizeBuild, type K8sObject } from '../src/kustomize.js';
import { allowed, type Pod, type Policy } from '../src/network-policy.js';
import { repoPath } from '../src/repo-files.js';
import { SERVICES } from '../src/service-catalog.js';
import { at, recordAt } from '../src/shape.js';

/** The base with the k8s/tracing component, as an overlay would add it. */
function renderWithTracing(): K8sObject[] {
  const dir = tempDir('k8s-tracing-');
  try {
    const overlay = join(dir.path, 'overlay');
    mkdirSync(overlay);
    const to = (path: string) => relative(overlay, repoPath(path));
    writeFileSync(
      join(overlay, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${to('k8s')}`,
        'components:',
        `  - ${to('k8s/tracing')}`,
        '',
      ].join('\n'),
    );
    return kustomizeBuild(overlay);
  } finally {
    dir.cleanup();
  }
}

const objects = renderWithTracing();
const named = (kind: string, name: string) => {
  const found = objects.find((object) => object.kind === kind && object.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found.doc;
};

describe('k8s/tracing (component)', () => {
  test('When the base is rendered with it, then every object passes the Kubernetes schemas', async () => {
    expect(await schemaErrors(objects)).toEqual([]);
    expect(unknownFieldErrors(objects)).toEqual([]);
  });

  test('When the settings are read, then every service exports to the Jaeger Service on its OTLP/HTTP port', () => {
    const config = objects.find(
      (object) => object.kind === 'ConfigMap' && object.name.startsWith('ecommerce-config'),
    );
    const endpoint = new URL(String(recordAt(config?.doc, 'data').OTEL_EXPORTER_OTLP_ENDPOINT));
    expect(endpoint.hostname).toBe('jaeger');
    const ports = (at(named('Service', 'jaeger'), 'spec.ports') as { name: string; port: number }[]).map(
      (port) => port.port,
    );
    expect(ports).toContain(Number(endpoint.port));
  });

  test('When the network policies are applied, then the services reach Jaeger on 4318 and nothing else does', () => {
    const policies: Policy[] = objects
      .filter((object) => object.kind === 'NetworkPolicy')
      .map((object) => ({ namespace: object.namespace ?? '', spec: recordAt(object.doc, 'spec') }));
    const nsLabels = { 'kubernetes.io/metadata.name': 'ecommerce' };
    const podOf = (kind: string, name: string): Pod => ({
      name,
      namespace: 'ecommerce',
      labels: recordAt(named(kind, name), 'spec.template.metadata.labels') as Record<string, string>,
      namespaceLabels: nsLabels,
    });
    const jaeger = podOf('Deployment', 'jaeger');
    for (const spec of SERVICES) {
      const kind = spec.name === 'api-gateway' ? 'Deployment' : 'StatefulSet';
      expect(allowed(policies, podOf(kind, spec.name), jaeger, 4318), spec.name).toBe(true);
    }
    const stray: Pod = {
      name: 'stray',
      namespace: 'ecommerce',
      labels: { app: 'other' },
      namespaceLabels: nsLabels,
    };
    expect(allowed(policies, stray, jaeger, 4318)).toBe(false);
  });
});
