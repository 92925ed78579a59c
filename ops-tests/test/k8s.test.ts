import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { readRepoYamlDocuments, repoFileExists, repoPath } from '../src/repo-files.js';
import { SERVICES, type ServiceSpec } from '../src/service-catalog.js';
import {
  arrayAt,
  asArray,
  asRecord,
  asString,
  at,
  recordAt,
  stringAt,
  type JsonRecord,
} from '../src/shape.js';

interface Manifest {
  file: string;
  kind: string;
  name: string;
  doc: JsonRecord;
}

const yamlFiles = readdirSync(repoPath('k8s'))
  .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
  .sort();

function manifestsOf(file: string): Manifest[] {
  return readRepoYamlDocuments(`k8s/${file}`)
    .filter((doc) => doc !== null)
    .map((doc, index) => {
      const record = asRecord(doc, `${file}[${index}]`);
      return { file, kind: stringAt(record, 'kind'), name: stringAt(record, 'metadata.name'), doc: record };
    });
}

const kustomization = asRecord(readRepoYamlDocuments('k8s/kustomization.yaml')[0], 'kustomization.yaml');
const resources = arrayAt(kustomization, 'resources').map((entry) => asString(entry, 'resources[]'));
const applied = resources.flatMap(manifestsOf);
const secretTemplate = manifestsOf('secret.template.yaml');

/** The one applied object of that kind and name; throws when there is none or more than one. */
function applied1(kind: string, name: string): JsonRecord {
  const found = applied.filter((manifest) => manifest.kind === kind && manifest.name === name);
  if (found.length !== 1 || !found[0])
    throw new Error(`expected one ${kind}/${name} in the kustomization, found ${found.length}`);
  return found[0].doc;
}

function container(deployment: JsonRecord): JsonRecord {
  const containers = arrayAt(deployment, 'spec.template.spec.containers');
  expect(containers).toHaveLength(1);
  return asRecord(containers[0], 'containers[0]');
}

function envOf(deployment: JsonRecord): Map<string, JsonRecord> {
  return new Map(
    asArray(container(deployment).env ?? [], 'env').map((entry) => [
      stringAt(entry, 'name'),
      asRecord(entry, 'env[]'),
    ]),
  );
}

function configMapData(): Record<string, unknown> {
  return recordAt(applied1('ConfigMap', 'ecommerce-config'), 'data');
}

/** Kubernetes Prefix matching: element-wise, so /api matches /api and /api/x but not /apix. */
function pathMatches(path: string, pathType: string, requestPath: string): boolean {
  if (pathType === 'Exact') return requestPath === path;
  const prefix = path.replace(/\/+$/, '');
  return prefix === '' || requestPath === prefix || requestPath.startsWith(`${prefix}/`);
}

describe('k8s manifests', () => {
  test('When every YAML file is parsed, then each document has apiVersion, kind and a name', () => {
    const all = yamlFiles.filter((file) => file !== 'kustomization.yaml').flatMap(manifestsOf);

    expect(all.length).toBeGreaterThanOrEqual(20);
    for (const manifest of all) expect(stringAt(manifest.doc, 'apiVersion'), manifest.file).not.toBe('');
  });

  test('When the kustomization is read, then it lists every manifest except the secret template, and they exist', () => {
    for (const resource of resources) expect(repoFileExists(`k8s/${resource}`), resource).toBe(true);

    expect([...resources].sort()).toEqual(
      yamlFiles.filter((file) => file !== 'kustomization.yaml' && file !== 'secret.template.yaml'),
    );
    expect(kustomization.namespace).toBe('ecommerce');
    expect(applied1('Namespace', 'ecommerce')).toBeDefined();
  });

  test('When the applied manifests are read, then none of them is a Secret', () => {
    expect(applied.filter((manifest) => manifest.kind === 'Secret')).toEqual([]);
  });

  test('When the secret template is read, then it holds only placeholders that cannot pass as real secrets', () => {
    expect(secretTemplate.map((manifest) => `${manifest.kind}/${manifest.name}`)).toEqual([
      'Secret/ecommerce-secrets',
    ]);
    const data = recordAt(secretTemplate[0]?.doc, 'stringData');

    expect(Object.keys(data).sort()).toEqual(['ADMIN_PASSWORD', 'JWT_SECRET', 'RABBITMQ_PASSWORD']);
    for (const [key, value] of Object.entries(data)) {
      expect(value, key).toBe('REPLACE_ME');
    }
    expect(Buffer.byteLength('REPLACE_ME')).toBeLessThan(32);
  });

  test('When secret references are read, then each names a key the secret template defines', () => {
    const keys = Object.keys(recordAt(secretTemplate[0]?.doc, 'stringData'));
    const references = applied
      .filter((manifest) => manifest.kind === 'Deployment' || manifest.kind === 'StatefulSet')
      .flatMap((manifest) => [...envOf(manifest.doc).values()])
      .map((entry) => at(entry, 'valueFrom.secretKeyRef'))
      .filter((reference) => reference !== undefined);

    expect(references.length).toBeGreaterThanOrEqual(SERVICES.length * 2);
    for (const reference of references) {
      expect(at(reference, 'name')).toBe('ecommerce-secrets');
      expect(keys).toContain(at(reference, 'key'));
    }
  });
});

describe.each(SERVICES.map((spec) => [spec.name, spec] as const))(
  'k8s/%s.yaml',
  (name, spec: ServiceSpec) => {
    const fileManifests = manifestsOf(`${name}.yaml`);
    const deployment = fileManifests.find((manifest) => manifest.kind === 'Deployment')?.doc ?? {};
    const service = fileManifests.find((manifest) => manifest.kind === 'Service')?.doc ?? {};

    test('When it is read, then it holds the Deployment and the Service of that name', () => {
      expect(at(deployment, 'metadata.name')).toBe(name);
      expect(at(service, 'metadata.name')).toBe(name);
      expect(resources).toContain(`${name}.yaml`);
    });

    test('When the container is read, then it runs the service image on its port with PORT set', () => {
      const main = container(deployment);

      expect(main.image).toBe(`ecommerce/${name}:0.1.0`);
      expect(arrayAt(main, 'ports')).toEqual([{ name: 'http', containerPort: spec.port }]);
      expect(at(envOf(deployment).get('PORT'), 'value')).toBe(String(spec.port));
      expect(at(envOf(deployment).get('JWT_SECRET'), 'valueFrom.secretKeyRef.key')).toBe('JWT_SECRET');
      expect(arrayAt(main, 'envFrom')).toEqual([{ configMapRef: { name: 'ecommerce-config' } }]);
    });

    test('When the probes are read, then readiness uses /health/ready and liveness /health/live', () => {
      const main = container(deployment);

      expect(at(main, 'readinessProbe.httpGet')).toEqual({ path: '/health/ready', port: 'http' });
      expect(at(main, 'livenessProbe.httpGet')).toEqual({ path: '/health/live', port: 'http' });
    });

    test('When resources are read, then CPU and memory have requests and limits', () => {
      const main = container(deployment);

      for (const kind of ['requests', 'limits']) {
        for (const resource of ['cpu', 'memory']) {
          expect(at(main, `resources.${kind}.${resource}`), `${kind}.${resource}`).toBeDefined();
        }
      }
    });

    test('When security settings are read, then it runs as non-root on a read-only root with an emptyDir for data', () => {
      const main = container(deployment);

      expect(at(deployment, 'spec.template.spec.securityContext.runAsNonRoot')).toBe(true);
      expect(at(main, 'securityContext.runAsNonRoot')).toBe(true);
      expect(at(main, 'securityContext.readOnlyRootFilesystem')).toBe(true);
      expect(at(main, 'securityContext.allowPrivilegeEscalation')).toBe(false);
      const dataMount = arrayAt(main, 'volumeMounts').find((mount) => at(mount, 'mountPath') === '/app/data');
      const dataVolume = arrayAt(deployment, 'spec.template.spec.volumes').find(
        (volume) => at(volume, 'name') === at(dataMount, 'name'),
      );
      expect(at(dataVolume, 'emptyDir')).toBeDefined();
    });

    test('When the Service is read, then its selector matches the pod labels and it exposes the port', () => {
      const podLabels = recordAt(deployment, 'spec.template.metadata.labels');
      const selector = recordAt(service, 'spec.selector');
      const matchLabels = recordAt(deployment, 'spec.selector.matchLabels');

      expect(Object.keys(selector).length).toBeGreaterThan(0);
      expect(podLabels).toMatchObject(selector);
      expect(podLabels).toMatchObject(matchLabels);
      expect(arrayAt(service, 'spec.ports')).toEqual([{ name: 'http', port: spec.port, targetPort: 'http' }]);
    });
  },
);

describe('k8s api-gateway scaling', () => {
  test('When the gateway is read, then it runs 2 replicas sharing rate limits through Redis', () => {
    const gateway = applied1('Deployment', 'api-gateway');
    const redisUrl = new URL(asString(at(envOf(gateway).get('REDIS_URL'), 'value'), 'REDIS_URL'));

    expect(at(gateway, 'spec.replicas')).toBe(2);
    expect(redisUrl.hostname).toBe('redis');
    const redisService = applied1('Service', 'redis');
    expect(arrayAt(redisService, 'spec.ports').map((port) => at(port, 'port'))).toContain(
      Number(redisUrl.port),
    );
    expect(applied1('Deployment', 'redis')).toBeDefined();
  });

  test('When the broker is read, then RabbitMQ runs as a StatefulSet behind the rabbitmq Service', () => {
    const statefulSet = applied1('StatefulSet', 'rabbitmq');
    const rabbitService = applied1('Service', 'rabbitmq');

    expect(recordAt(statefulSet, 'spec.template.metadata.labels')).toMatchObject(
      recordAt(rabbitService, 'spec.selector'),
    );
    expect(arrayAt(rabbitService, 'spec.ports').map((port) => at(port, 'port'))).toContain(5672);
    for (const spec of SERVICES) {
      expect(at(envOf(applied1('Deployment', spec.name)).get('AMQP_URL'), 'value'), spec.name).toBe(
        'amqp://$(RABBITMQ_USER):$(RABBITMQ_PASSWORD)@rabbitmq:5672',
      );
    }
  });
});

describe('k8s ConfigMap', () => {
  test('When upstream URLs are read, then each points at the Service and port it names', () => {
    const data = configMapData();
    const upstreams = SERVICES.filter((spec) => spec.urlVariable !== undefined);

    for (const spec of upstreams) {
      const url = new URL(asString(data[spec.urlVariable ?? ''], spec.urlVariable ?? ''));
      expect(url.hostname).toBe(spec.name);
      expect(url.port).toBe(String(spec.port));
      expect(applied1('Service', spec.name)).toBeDefined();
    }
    expect(data.CHAOS_ENABLED).toBe('false');
    expect(data.NODE_ENV).toBe('production');
    expect(data.HOST).toBe('0.0.0.0');
    expect(Object.keys(data).filter((key) => /SECRET|PASSWORD/.test(key))).toEqual([]);
  });
});

describe('k8s Ingress', () => {
  const ingress = applied1('Ingress', 'api-gateway');
  const paths = arrayAt(ingress, 'spec.rules').flatMap((rule) => arrayAt(rule, 'http.paths'));

  test('When the Ingress is read, then it routes only to the gateway', () => {
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(at(path, 'backend.service.name')).toBe('api-gateway');
    expect(at(ingress, 'spec.defaultBackend')).toBeUndefined();
  });

  test('When request paths are matched, then the public API is routed and /metrics never is', () => {
    const routed = (requestPath: string): boolean =>
      paths.some((path) => pathMatches(stringAt(path, 'path'), stringAt(path, 'pathType'), requestPath));

    for (const publicPath of ['/api/products', '/api/orders/1', '/auth/login', '/health']) {
      expect(routed(publicPath), publicPath).toBe(true);
    }
    for (const privatePath of ['/metrics', '/metrics/', '/health/live', '/health/ready']) {
      expect(routed(privatePath), privatePath).toBe(false);
    }
  });
});
