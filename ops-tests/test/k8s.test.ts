import { SERVICES as SERVICE_LIST } from '@shop/platform/contracts';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { schemaErrors, unknownFieldErrors } from '../src/k8s-schema.js';
import { kubectlKustomize, kustomizeBuild, type K8sObject } from '../src/kustomize.js';
import { allowed, type Pod, type Policy } from '../src/network-policy.js';
import { readRepoText, readRepoYamlDocuments, repoFileExists, repoPath } from '../src/repo-files.js';
import {
  revocationFeedFromCode,
  SERVICES,
  serviceCallsFromCode,
  tokenFreeMetricsPort,
} from '../src/service-catalog.js';
import { arrayAt, asArray, asRecord, at, recordAt, stringAt, type JsonRecord } from '../src/shape.js';
import { tempDir } from '@shop/platform/tools/testing';

const objects = kustomizeBuild('k8s');
const DATA_SERVICES = SERVICES.filter((spec) => spec.name !== 'api-gateway');

function one(kind: string, name: string): JsonRecord {
  const found = objects.filter((object) => object.kind === kind && object.name === name);
  if (found.length !== 1)
    throw new Error(`expected one ${kind}/${name} in the render, found ${found.length}`);
  return (found[0] as K8sObject).doc;
}

function podSpec(workload: JsonRecord): JsonRecord {
  return recordAt(
    workload,
    workload.kind === 'CronJob' ? 'spec.jobTemplate.spec.template.spec' : 'spec.template.spec',
  );
}

function mainContainer(workload: JsonRecord): JsonRecord {
  return asRecord(arrayAt(podSpec(workload), 'containers')[0], 'containers[0]');
}

function envOf(workload: JsonRecord): Map<string, JsonRecord> {
  return new Map(
    asArray(mainContainer(workload).env ?? [], 'env').map((entry) => [
      stringAt(entry, 'name'),
      asRecord(entry, 'env[]'),
    ]),
  );
}

/** What the process sees: the ConfigMap it reads with envFrom, overridden by its literal env values. */
function effectiveEnv(workload: JsonRecord): Record<string, string> {
  const result: Record<string, string> = {};
  for (const source of asArray(mainContainer(workload).envFrom ?? [], 'envFrom')) {
    const name = at(source, 'configMapRef.name');
    if (typeof name !== 'string') continue;
    const configMap = objects.find((object) => object.kind === 'ConfigMap' && object.name === name);
    Object.assign(result, recordAt(configMap?.doc, 'data'));
  }
  for (const [name, entry] of envOf(workload))
    if (typeof entry.value === 'string') result[name] = entry.value;
  return result;
}

const workloads = objects.filter((object) =>
  ['Deployment', 'StatefulSet', 'CronJob', 'DaemonSet'].includes(object.kind),
);
const configMapName =
  objects.find((object) => object.kind === 'ConfigMap' && object.name.startsWith('ecommerce-config'))?.name ??
  '';

describe('k8s/ rendered with kustomize and validated against the Kubernetes schemas', () => {
  test('When kustomize builds k8s/, then every object is namespaced in ecommerce and kubectl renders the same', () => {
    expect(objects.length).toBeGreaterThanOrEqual(50);
    for (const object of objects.filter((entry) => entry.kind !== 'Namespace')) {
      expect(object.namespace, `${object.kind}/${object.name}`).toBe('ecommerce');
    }
    const viaKubectl = kubectlKustomize('k8s');
    if (viaKubectl)
      expect(viaKubectl.map((object) => object.doc)).toEqual(objects.map((object) => object.doc));
  });

  test('When every object is validated against the OpenAPI schemas, then none has a schema error', async () => {
    expect(await schemaErrors(objects)).toEqual([]);
  });

  test('When every object is checked strictly, then none has a field the API does not define', () => {
    expect(unknownFieldErrors(objects)).toEqual([]);
  });

  test('When an object has a misspelt or mistyped field, then the checks catch it', async () => {
    const [misspelt, mistyped] = structuredClone(
      objects.filter((object) => object.kind === 'StatefulSet').slice(0, 2),
    );
    const misspeltContainer = mainContainer((misspelt as K8sObject).doc);
    misspeltContainer.readinessprobe = misspeltContainer.readinessProbe;
    asRecord(arrayAt(mainContainer((mistyped as K8sObject).doc), 'ports')[0], 'port').containerPort = 'http';

    expect(unknownFieldErrors([misspelt as K8sObject]).join('\n')).toMatch(
      /readinessprobe.* does not exist in type/,
    );
    expect((await schemaErrors([mistyped as K8sObject])).join('\n')).toContain(
      'containerPort must be integer',
    );
  });

  test('When the files are listed, then the secret and restore templates stay out of the render', () => {
    const [top] = readRepoYamlDocuments('k8s/kustomization.yaml');
    const [base] = readRepoYamlDocuments('k8s/base/kustomization.yaml');
    const resources = arrayAt(base, 'resources').map(String);

    expect(arrayAt(top, 'resources')).toEqual(['base']);
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    expect(resources.filter((resource) => resource.includes('template'))).toEqual([]);
    for (const resource of resources) expect(repoFileExists(`k8s/base/${resource}`), resource).toBe(true);
  });
});

describe('k8s persistence', () => {
  test.each(DATA_SERVICES.map((spec) => [spec.name]))(
    'When %s is rendered, then its database lives on its own persistent volume with an explicit storage class',
    (name) => {
      const statefulSet = one('StatefulSet', name);
      const claims = arrayAt(statefulSet, 'spec.volumeClaimTemplates');
      const dataMount = arrayAt(mainContainer(statefulSet), 'volumeMounts').find(
        (mount) => at(mount, 'mountPath') === '/app/data',
      );

      expect(objects.some((object) => object.kind === 'Deployment' && object.name === name)).toBe(false);
      expect(at(statefulSet, 'spec.replicas')).toBe(1);
      expect(claims.map((claim) => at(claim, 'metadata.name'))).toContain(at(dataMount, 'name'));
      const claim = claims.find((entry) => at(entry, 'metadata.name') === at(dataMount, 'name'));
      expect(at(claim, 'spec.accessModes')).toEqual(['ReadWriteOnce']);
      expect(typeof at(claim, 'spec.storageClassName')).toBe('string');
      expect(at(claim, 'spec.resources.requests.storage')).toMatch(/^\d+Gi$/);
      // no pod volume shadows the claim: an emptyDir of the same name would win
      expect(
        asArray(podSpec(statefulSet).volumes ?? [], 'volumes').map((volume) => at(volume, 'name')),
      ).not.toContain('data');
      expect(at(statefulSet, 'spec.persistentVolumeClaimRetentionPolicy')).toEqual({
        whenDeleted: 'Retain',
        whenScaled: 'Retain',
      });
      expect(one('Service', `${name}-headless`)).toMatchObject({ spec: { clusterIP: 'None' } });
      expect(at(statefulSet, 'spec.serviceName')).toBe(`${name}-headless`);
    },
  );

  test('When RabbitMQ is rendered, then its queues survive too (claim with an explicit storage class)', () => {
    const claim = arrayAt(one('StatefulSet', 'rabbitmq'), 'spec.volumeClaimTemplates')[0];

    expect(typeof at(claim, 'spec.storageClassName')).toBe('string');
  });

  test('When any workload is rendered, then no database directory is an emptyDir', () => {
    for (const object of workloads.filter((entry) => entry.name !== 'api-gateway')) {
      const mounts = asArray(mainContainer(object.doc).volumeMounts ?? [], 'volumeMounts');
      const dataVolumeNames = mounts
        .filter((mount) => at(mount, 'mountPath') === '/app/data')
        .map((mount) => at(mount, 'name'));
      for (const volume of asArray(podSpec(object.doc).volumes ?? [], 'volumes')) {
        if (dataVolumeNames.includes(at(volume, 'name')))
          expect(at(volume, 'emptyDir'), object.name).toBeUndefined();
      }
    }
  });

  test.each(DATA_SERVICES.map((spec) => [spec.name]))(
    'When %s is rendered, then a nightly CronJob backs up its live volume onto a backups volume on the same node',
    (name) => {
      const cronJob = one('CronJob', `${name}-backup`);
      const spec = podSpec(cronJob);
      const claims = Object.fromEntries(
        arrayAt(spec, 'volumes').map((volume) => [
          stringAt(volume, 'name'),
          at(volume, 'persistentVolumeClaim.claimName'),
        ]),
      );
      const command = arrayAt(mainContainer(cronJob), 'command').map(String);

      expect(claims.data).toBe(`data-${name}-0`);
      expect(one('PersistentVolumeClaim', String(claims.backups))).toBeDefined();
      expect(command.slice(0, 3)).toEqual(['node', '/app/platform/dist/src/cli/backup.js', 'backup']);
      expect(command).toEqual(
        expect.arrayContaining(['--data-dir', '/app/data', '--out', '/backups', '--keep']),
      );
      expect(repoFileExists('platform/src/cli/backup.ts')).toBe(true);
      expect(mainContainer(cronJob).image).toBe(mainContainer(one('StatefulSet', name)).image);
      expect(at(cronJob, 'spec.concurrencyPolicy')).toBe('Forbid');
      const affinity = arrayAt(
        spec,
        'affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution',
      )[0];
      expect(at(affinity, 'labelSelector.matchLabels')).toEqual({ 'app.kubernetes.io/name': name });
      expect(at(affinity, 'topologyKey')).toBe('kubernetes.io/hostname');
    },
  );
});

describe('k8s configuration', () => {
  test('When the config is generated, then its name carries a content hash and every reference uses it', () => {
    expect(configMapName).toMatch(/^ecommerce-config-[a-z0-9]{10}$/);
    const references = workloads.flatMap((object) => [
      ...asArray(mainContainer(object.doc).envFrom ?? [], 'envFrom').map((entry) =>
        at(entry, 'configMapRef.name'),
      ),
      ...[...envOf(object.doc).values()]
        .map((entry) => at(entry, 'valueFrom.configMapKeyRef.name'))
        .filter(Boolean),
    ]);
    expect(references.length).toBeGreaterThanOrEqual(SERVICES.length);
    expect(new Set(references)).toEqual(new Set([configMapName]));
  });

  test('When one setting changes, then the ConfigMap gets a new name, so every pod reading it rolls', () => {
    const dir = tempDir('k8s-config-');
    try {
      cpSync(repoPath('k8s'), dir.path, { recursive: true });
      const file = join(dir.path, 'base', 'config.env');
      writeFileSync(file, readFileSync(file, 'utf8').replace('LOG_LEVEL=info', 'LOG_LEVEL=debug'));
      const changed = kustomizeBuild(dir.path);
      const newName = changed.find((object) => object.kind === 'ConfigMap')?.name;

      expect(newName).toMatch(/^ecommerce-config-/);
      expect(newName).not.toBe(configMapName);
      expect(
        at(
          changed.find((object) => object.name === 'order-service' && object.kind === 'StatefulSet')?.doc,
          'spec.template.spec.containers',
        ),
      ).toEqual(
        expect.arrayContaining([expect.objectContaining({ envFrom: [{ configMapRef: { name: newName } }] })]),
      );
    } finally {
      dir.cleanup();
    }
  });

  test('When the settings are read, then production has no demo catalog, no chaos and no secret', () => {
    const data = recordAt(one('ConfigMap', configMapName), 'data');

    expect(data.SEED_DEMO_CATALOG).toBe('false');
    expect(data.CHAOS_ENABLED).toBe('false');
    expect(data.NODE_ENV).toBe('production');
    expect(data.HOST).toBe('0.0.0.0');
    expect(Object.keys(data).filter((key) => /SECRET|PASSWORD/.test(key))).toEqual([]);
    for (const spec of SERVICES.filter((entry) => entry.urlVariable)) {
      const url = new URL(String(data[spec.urlVariable ?? '']));
      expect(url.hostname).toBe(spec.name);
      expect(url.port).toBe(String(spec.port));
    }
  });

  test('When the gateway is rendered, then it carries no broker credentials (it does not use the broker)', () => {
    const gateway = one('Deployment', 'api-gateway');
    const env = envOf(gateway);
    const secretKeys = [...env.values()]
      .map((entry) => at(entry, 'valueFrom.secretKeyRef.key'))
      .filter(Boolean);

    expect(secretKeys).toEqual(['JWT_SECRET']);
    expect(env.has('AMQP_URL')).toBe(false);
    expect(JSON.stringify(gateway)).not.toMatch(/RABBITMQ_PASSWORD|amqp:/);
    for (const spec of DATA_SERVICES) {
      expect(at(envOf(one('StatefulSet', spec.name)).get('AMQP_URL'), 'value'), spec.name).toBe(
        'amqp://$(RABBITMQ_USER):$(RABBITMQ_PASSWORD)@rabbitmq:5672',
      );
    }
  });

  test('When the gateway is rendered, then it scales on CPU from 2 to 6 replicas with a disruption budget', () => {
    const hpa = one('HorizontalPodAutoscaler', 'api-gateway');

    expect(at(hpa, 'spec.scaleTargetRef')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'api-gateway',
    });
    expect([at(hpa, 'spec.minReplicas'), at(hpa, 'spec.maxReplicas')]).toEqual([2, 6]);
    expect(at(one('PodDisruptionBudget', 'api-gateway'), 'spec.minAvailable')).toBe(1);
    expect(
      new URL(String(at(envOf(one('Deployment', 'api-gateway')).get('REDIS_URL'), 'value'))).hostname,
    ).toBe('redis');
  });

  test.each(workloads.map((object) => [`${object.kind}/${object.name}`, object] as const))(
    'When %s is rendered, then it runs non-root, without privilege escalation or capabilities, within limits',
    (_label, object) => {
      const spec = podSpec(object.doc);
      for (const container of arrayAt(spec, 'containers')) {
        expect(
          at(spec, 'securityContext.runAsNonRoot') ?? at(container, 'securityContext.runAsNonRoot'),
        ).toBe(true);
        expect(at(container, 'securityContext.allowPrivilegeEscalation')).toBe(false);
        expect(at(container, 'securityContext.capabilities.drop')).toEqual(['ALL']);
        expect(at(container, 'resources.limits.memory')).toBeDefined();
        expect(at(container, 'resources.requests.cpu')).toBeDefined();
      }
      expect(spec.automountServiceAccountToken).toBe(false);
    },
  );

  test('When a pod is stopped, then Kubernetes waits longer than the preStop pause plus the shutdown deadline', () => {
    const source = readFileSync(repoPath('platform/src/config/config.ts'), 'utf8');
    const fallback = Number(/SHUTDOWN_TIMEOUT_MS: env\.int\(([\d_]+)/.exec(source)?.[1]?.replace(/_/g, ''));
    const configured = at(one('ConfigMap', configMapName), 'data.SHUTDOWN_TIMEOUT_MS');
    const deadlineSeconds = Number(configured ?? fallback) / 1000;

    expect(deadlineSeconds).toBeGreaterThan(0);
    for (const spec of SERVICES) {
      const workload = one(spec.name === 'api-gateway' ? 'Deployment' : 'StatefulSet', spec.name);
      const preStop = arrayAt(mainContainer(workload), 'lifecycle.preStop.exec.command');
      const pause = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
      expect(Number(at(podSpec(workload), 'terminationGracePeriodSeconds')), spec.name).toBeGreaterThan(
        pause + deadlineSeconds,
      );
    }
  });

  test.each(SERVICES.map((spec) => [spec.name, spec] as const))(
    'When %s is rendered, then it listens on its port with readiness, liveness and startup probes',
    (name, spec) => {
      const workload = one(name === 'api-gateway' ? 'Deployment' : 'StatefulSet', name);
      const main = mainContainer(workload);

      expect(arrayAt(main, 'ports')).toEqual([
        { name: 'http', containerPort: spec.port },
        { name: 'metrics', containerPort: Number(effectiveEnv(workload).METRICS_PORT) },
      ]);
      expect(at(envOf(workload).get('PORT'), 'value')).toBe(String(spec.port));
      expect(at(main, 'readinessProbe.httpGet')).toEqual({ path: '/health/ready', port: 'http' });
      expect(at(main, 'livenessProbe.httpGet')).toEqual({ path: '/health/live', port: 'http' });
      expect(at(main, 'startupProbe.httpGet')).toEqual({ path: '/health/live', port: 'http' });
      expect(at(one('Service', name), 'spec.ports')).toEqual([
        { name: 'http', port: spec.port, targetPort: 'http' },
      ]);
      expect(at(main, 'securityContext.readOnlyRootFilesystem')).toBe(true);
    },
  );
});

/** Kubernetes Prefix matching: element-wise, so /api matches /api and /api/x but not /apix. */
function pathMatches(path: string, pathType: string, requestPath: string): boolean {
  if (pathType === 'Exact') return requestPath === path;
  const prefix = path.replace(/\/+$/, '');
  return prefix === '' || requestPath === prefix || requestPath.startsWith(`${prefix}/`);
}

describe('k8s Ingress', () => {
  const ingress = one('Ingress', 'api-gateway');
  const paths = arrayAt(ingress, 'spec.rules').flatMap((rule) => arrayAt(rule, 'http.paths'));
  const routed = (requestPath: string): boolean =>
    paths.some((path) => pathMatches(stringAt(path, 'path'), stringAt(path, 'pathType'), requestPath));

  test('When request paths are matched, then only the public API reaches the gateway', () => {
    for (const path of paths) expect(at(path, 'backend.service.name')).toBe('api-gateway');
    expect(at(ingress, 'spec.defaultBackend')).toBeUndefined();
    for (const publicPath of ['/api/products', '/api/orders/1', '/auth/login', '/auth/refresh']) {
      expect(routed(publicPath), publicPath).toBe(true);
    }
    for (const privatePath of [
      '/metrics',
      '/health',
      '/health/ready',
      '/health/live',
      '/',
      '/apix',
      '/internal/reservations',
    ]) {
      expect(routed(privatePath), privatePath).toBe(false);
    }
  });
});

describe('k8s network policies', () => {
  const policies: Policy[] = objects
    .filter((object) => object.kind === 'NetworkPolicy')
    .map((object) => ({ namespace: object.namespace ?? '', spec: recordAt(object.doc, 'spec') }));
  const ns = (name: string) => ({ 'kubernetes.io/metadata.name': name });
  const podOf = (name: string): Pod => {
    const workload = workloads.find((object) => object.name === name);
    const labels =
      workload?.kind === 'CronJob'
        ? recordAt(workload.doc, 'spec.jobTemplate.spec.template.metadata.labels')
        : recordAt(workload?.doc, 'spec.template.metadata.labels');
    return {
      name,
      namespace: 'ecommerce',
      labels: labels as Record<string, string>,
      namespaceLabels: ns('ecommerce'),
    };
  };
  const outside = (name: string, namespace: string, labels: Record<string, string> = {}): Pod => ({
    name: `${namespace}/${name}`,
    namespace,
    labels,
    namespaceLabels: ns(namespace),
  });
  const sources: Pod[] = [
    ...SERVICES.map((spec) => podOf(spec.name)),
    podOf('rabbitmq'),
    podOf('redis'),
    podOf('order-service-backup'),
    outside('controller', 'ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }),
    outside('prometheus', 'monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
    outside('curl', 'default'),
  ];
  function metricsPort(name: string): number {
    const workload = workloads.find((object) => object.name === name);
    const port = tokenFreeMetricsPort(name, effectiveEnv(workload?.doc ?? {}), readRepoText);
    if (port === undefined) throw new Error(`${name} serves /metrics to no scraper without a token`);
    return port;
  }
  const targets: { label: string; pod: Pod; port: number; protocol?: string }[] = [
    ...SERVICES.map((spec) => ({
      label: `${spec.name}:${spec.port}`,
      pod: podOf(spec.name),
      port: spec.port,
    })),
    ...SERVICES.map((spec) => ({
      label: `${spec.name}:${metricsPort(spec.name)} (metrics)`,
      pod: podOf(spec.name),
      port: metricsPort(spec.name),
    })),
    { label: 'rabbitmq:5672', pod: podOf('rabbitmq'), port: 5672 },
    { label: 'rabbitmq:15672 (management UI)', pod: podOf('rabbitmq'), port: 15672 },
    { label: 'rabbitmq:15692 (metrics)', pod: podOf('rabbitmq'), port: 15692 },
    { label: 'redis:6379', pod: podOf('redis'), port: 6379 },
    {
      label: 'kube-dns:53/udp',
      pod: outside('coredns', 'kube-system', { 'k8s-app': 'kube-dns' }),
      port: 53,
      protocol: 'UDP',
    },
  ];
  const everyService = SERVICES.map((spec) => spec.name);
  const dataServices = DATA_SERVICES.map((spec) => spec.name);
  // Service-to-service calls beyond the gateway's: the saga's, and consumers verifying the aggregate an
  // event is about with its owner (docs/decisions/0032 and 0014).
  // From the service list (platform/src/contracts/services.ts).
  const calls: Record<string, string[]> = Object.fromEntries(
    SERVICE_LIST.filter((spec) => spec.name !== 'api-gateway' && spec.upstreams.length > 0).map((spec) => [
      spec.name,
      [...spec.upstreams],
    ]),
  );
  // Every poller of the revocation feed reaches its owner (customer-service), from the services' config code.
  const feed = revocationFeedFromCode(readRepoText, (name) => {
    const workload = workloads.find((object) => object.name === name);
    return workload === undefined ? {} : effectiveEnv(workload.doc);
  });
  const callers = (callee: string) =>
    SERVICES.map((spec) => spec.name).filter(
      (caller) =>
        caller !== 'api-gateway' &&
        (calls[caller]?.includes(callee) === true ||
          (callee === feed.owner && feed.pollers.includes(caller))),
    );

  const expected: Record<string, readonly string[]> = {
    // Prometheus scrapes the metrics ports only, never the HTTP ports.
    'api-gateway:8080': ['ingress-nginx/controller'],
    ...Object.fromEntries(
      DATA_SERVICES.map((spec) => [`${spec.name}:${spec.port}`, ['api-gateway', ...callers(spec.name)]]),
    ),
    ...Object.fromEntries(
      SERVICES.map((spec) => [`${spec.name}:${metricsPort(spec.name)} (metrics)`, ['monitoring/prometheus']]),
    ),
    'rabbitmq:5672': dataServices,
    'rabbitmq:15672 (management UI)': [],
    'rabbitmq:15692 (metrics)': ['monitoring/prometheus'],
    'redis:6379': ['api-gateway'],
    // every pod of the namespace resolves names; pods elsewhere are not governed by these policies
    'kube-dns:53/udp': [
      ...everyService,
      'rabbitmq',
      'redis',
      'order-service-backup',
      'ingress-nginx/controller',
      'monitoring/prometheus',
      'default/curl',
    ],
  };

  test('When the services are read for the upstreams they call, then those are exactly the edges the matrix opens', () => {
    const fromCode = serviceCallsFromCode(readRepoText);
    expect(fromCode['api-gateway']).toEqual(DATA_SERVICES.map((spec) => spec.name));
    delete fromCode['api-gateway'];
    expect(fromCode).toEqual(calls);
  });

  test('When the revocation feed is read from the code, then every service but its owner polls it, at the URL its pod is given', () => {
    expect(feed.owner).toBe('customer-service');
    expect(feed.pollers).toEqual(SERVICES.map((spec) => spec.name).filter((name) => name !== feed.owner));
    const owner = SERVICES.find((spec) => spec.name === feed.owner);
    for (const poller of feed.pollers) {
      const workload = workloads.find((object) => object.name === poller);
      expect(effectiveEnv(workload?.doc ?? {}).CUSTOMER_SERVICE_URL, poller).toBe(
        `http://${feed.owner}:${owner?.port}`,
      );
    }
  });

  test('When the reachability matrix is computed from the policies, then only the intended paths are open', () => {
    const computed = Object.fromEntries(
      targets.map((target) => [
        target.label,
        sources
          .filter((source) => source.name !== target.pod.name)
          .filter((source) => allowed(policies, source, target.pod, target.port, target.protocol))
          .map((source) => source.name),
      ]),
    );

    expect(computed).toEqual(
      Object.fromEntries(Object.entries(expected).map(([key, value]) => [key, [...value]])),
    );
  });

  test('When a workload has no policy of its own, then the default deny still isolates it', () => {
    const stray: Pod = {
      name: 'stray',
      namespace: 'ecommerce',
      labels: { app: 'stray' },
      namespaceLabels: ns('ecommerce'),
    };

    expect(allowed(policies, stray, podOf('order-service'), 5003)).toBe(false);
    expect(allowed(policies, podOf('api-gateway'), stray, 8080)).toBe(false);
    expect(allowed(policies, stray, podOf('rabbitmq'), 5672)).toBe(false);
  });
});

describe('k8s templates kept out of the kustomization', () => {
  test('When the secret template is read, then it holds only placeholders that cannot pass as real secrets', () => {
    const [secret] = readRepoYamlDocuments('k8s/secret.template.yaml');
    const data = recordAt(secret, 'stringData');

    expect(Object.keys(data).sort()).toEqual(['ADMIN_PASSWORD', 'JWT_SECRET', 'RABBITMQ_PASSWORD']);
    for (const value of Object.values(data)) expect(value).toBe('REPLACE_ME');
  });
});
