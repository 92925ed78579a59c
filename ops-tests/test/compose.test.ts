import { describe, expect, test } from 'vitest';
import { readRepoJson, readRepoText, readRepoYaml, repoFileExists } from '../src/repo-files.js';
import {
  INFRA_PORTS,
  revocationFeedFromCode,
  SERVICES,
  tokenFreeMetricsPort,
  type ServiceSpec,
} from '../src/service-catalog.js';
import {
  arrayAt,
  asArray,
  asRecord,
  asString,
  at,
  isRecord,
  recordAt,
  type JsonRecord,
} from '../src/shape.js';

const compose = asRecord(readRepoYaml('docker-compose.yml'), 'docker-compose.yml');
const services = recordAt(compose, 'services');

function service(name: string): JsonRecord {
  return asRecord(services[name], `services.${name}`);
}

function environment(name: string): Record<string, string> {
  const env = recordAt(service(name), 'environment');
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
}

function publishedPorts(name: string): string[] {
  return asArray(service(name).ports ?? [], `${name}.ports`).map((port) => String(port));
}

/** A value that comes from the shell and whose fallback is visibly a development default. */
const devDefault = /^\$\{[A-Z][A-Z0-9_]*:-dev-only-[^}]+\}$/;
const secretName = /SECRET|PASSWORD|PASS$|TOKEN|API_KEY|PRIVATE_KEY/;

describe('docker-compose.yml services', () => {
  test.each(SERVICES.map((spec) => [spec.name, spec] as const))(
    'When %s is read, then it builds its own image and publishes its port',
    (name, spec: ServiceSpec) => {
      const entry = service(name);

      expect(at(entry, 'build.context')).toBe('.');
      expect(at(entry, 'build.dockerfile')).toBe('Dockerfile');
      expect(at(entry, 'build.args.SERVICE')).toBe(name);
      // the image bakes PORT in for its HEALTHCHECK: the same port the service is told to listen on
      expect(at(entry, 'build.args.PORT')).toBe(String(spec.port));
      // Only the gateway is published, on 127.0.0.1 by default; the services are reached on the compose network.
      if (name === 'api-gateway') {
        expect(publishedPorts(name)).toEqual([`\${SHOP_BIND_ADDRESS:-127.0.0.1}:${spec.port}:${spec.port}`]);
      } else {
        expect(publishedPorts(name)).toEqual([]);
      }
      const env = environment(name);
      expect(env.PORT).toBe(String(spec.port));
      expect(env.NODE_ENV).toBe('production');
      expect(env.HOST).toBe('0.0.0.0');
      expect(env.DATA_DIR).toBe('/app/data');
      expect(env.CHAOS_ENABLED).toBe('${CHAOS_ENABLED:-false}');
      expect(env.JWT_SECRET).toMatch(devDefault);
      expect(new URL(env.AMQP_URL ?? '').hostname).toBe('rabbitmq');
    },
  );

  test.each(SERVICES.map((spec) => [spec.name, spec] as const))(
    'When %s is read, then it keeps its SQLite data in a named volume and checks readiness on its port',
    (name, spec: ServiceSpec) => {
      const entry = service(name);
      const volumes = arrayAt(entry, 'volumes').map((volume) => asString(volume, 'volume'));

      expect(volumes).toContain(`${name}-data:/app/data`);
      expect(recordAt(compose, 'volumes')).toHaveProperty(`${name}-data`);
      const check = arrayAt(entry, 'healthcheck.test').join(' ');
      // the check builds its URL from PORT, which the service listens on
      expect(check).toContain("'http://127.0.0.1:' + process.env.PORT + '/health/ready'");
      expect(environment(name).PORT).toBe(String(spec.port));
      expect(at(entry, 'depends_on.rabbitmq.condition')).toBe('service_healthy');
    },
  );

  test('When the gateway is read, then it uses Redis and starts after every service is healthy', () => {
    const env = environment('api-gateway');

    expect(new URL(env.REDIS_URL ?? '').hostname).toBe('redis');
    expect(services).toHaveProperty('redis');
    for (const spec of SERVICES.filter((entry) => entry.name !== 'api-gateway')) {
      expect(at(service('api-gateway'), `depends_on.${spec.name}.condition`), spec.name).toBe(
        'service_healthy',
      );
    }
  });

  test('When the services start, then the log index template and retention policy are already installed', () => {
    const setup = service('elasticsearch-setup');

    expect(arrayAt(setup, 'entrypoint')).toEqual(['/bin/sh', '/setup/setup.sh']);
    expect(arrayAt(setup, 'volumes')).toContain('./elasticsearch:/setup:ro');
    expect(environment('elasticsearch-setup').LOG_RETENTION_DAYS).toBe('${LOG_RETENTION_DAYS:-14}');
    for (const name of [...SERVICES.map((spec) => spec.name), 'logstash']) {
      expect(at(service(name), 'depends_on.elasticsearch-setup.condition'), name).toBe(
        'service_completed_successfully',
      );
      if (name !== 'logstash')
        expect(new URL(environment(name).ELASTICSEARCH_URL ?? '').hostname).toBe('elasticsearch');
    }
  });

  test('When upstream URLs are read, then each points at the compose service and port it names', () => {
    const checked: string[] = [];
    for (const spec of SERVICES) {
      for (const [key, value] of Object.entries(environment(spec.name))) {
        if (!key.endsWith('_SERVICE_URL')) continue;
        const upstream = SERVICES.find((candidate) => candidate.urlVariable === key);
        const url = new URL(value);
        expect(upstream, `${spec.name} ${key}`).toBeDefined();
        expect(url.hostname, `${spec.name} ${key}`).toBe(upstream?.name);
        expect(url.port, `${spec.name} ${key}`).toBe(String(upstream?.port));
        expect(services, `${spec.name} ${key}`).toHaveProperty(url.hostname);
        checked.push(key);
      }
    }
    // the gateway reaches all six services
    expect(new Set(checked).size).toBe(6);
  });

  test("When the revocation feed is read from the code, then every poller's environment points at its owner's compose name and port", () => {
    const feed = revocationFeedFromCode(readRepoText, environment);
    const owner = SERVICES.find((spec) => spec.name === feed.owner);

    expect(feed.pollers).toEqual(SERVICES.map((spec) => spec.name).filter((name) => name !== feed.owner));
    for (const poller of feed.pollers)
      expect(environment(poller).CUSTOMER_SERVICE_URL, poller).toBe(`http://${feed.owner}:${owner?.port}`);
  });

  test('When the metrics ports are read, then every service serves /metrics without a token on an unpublished port', () => {
    for (const spec of SERVICES) {
      const port = tokenFreeMetricsPort(spec.name, environment(spec.name), readRepoText);
      expect(port, spec.name).toBeDefined();
      expect(port, spec.name).not.toBe(spec.port);
      expect(publishedPorts(spec.name).join(' '), spec.name).not.toContain(`:${port}`);
    }
  });

  test('When other URLs are read, then their hosts are compose services', () => {
    for (const name of Object.keys(services)) {
      const env = isRecord(service(name).environment) ? environment(name) : {};
      for (const [key, value] of Object.entries(env)) {
        if (!/_URL$|_HOSTS$/.test(key)) continue;
        const urls = value.startsWith('[') ? (JSON.parse(value) as string[]) : [value];
        for (const url of urls) {
          expect(services, `${name} ${key}=${url}`).toHaveProperty(new URL(url).hostname);
        }
      }
    }
  });

  test('When depends_on is read, then every dependency exists and healthchecked ones are awaited healthy', () => {
    for (const [name, entry] of Object.entries(services)) {
      const dependsOn = at(entry, 'depends_on');
      if (dependsOn === undefined) continue;
      for (const [dependency, condition] of Object.entries(asRecord(dependsOn, `${name}.depends_on`))) {
        const target = asRecord(services[dependency], `${name} depends on ${dependency}`);
        const expected =
          target.healthcheck !== undefined ? 'service_healthy' : 'service_completed_successfully';
        expect(at(condition, 'condition'), `${name} -> ${dependency}`).toBe(expected);
      }
    }
  });
});

describe('docker-compose.yml secrets', () => {
  test('When environment values are read, then secrets are only overridable, clearly marked dev defaults', () => {
    const offenders: string[] = [];
    let secretsSeen = 0;
    for (const name of Object.keys(services)) {
      const env = isRecord(service(name).environment) ? environment(name) : {};
      for (const [key, value] of Object.entries(env)) {
        if (secretName.test(key)) {
          secretsSeen += 1;
          if (!devDefault.test(value)) offenders.push(`${name} ${key}=${value}`);
        }
        const password = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]+:([^@]+)@/i.exec(value)?.[1];
        if (password !== undefined && !devDefault.test(password))
          offenders.push(`${name} ${key} password in URL`);
      }
    }

    expect(offenders).toEqual([]);
    // JWT_SECRET x7, ADMIN_PASSWORD, RABBITMQ_DEFAULT_PASS, GF_SECURITY_ADMIN_PASSWORD
    expect(secretsSeen).toBe(10);
  });

  test('When the JWT dev default is expanded, then it is long enough for production mode (32 bytes)', () => {
    const fallback = /:-([^}]+)\}$/.exec(environment('api-gateway').JWT_SECRET ?? '')?.[1] ?? '';

    expect(Buffer.byteLength(fallback)).toBeGreaterThanOrEqual(32);
  });

  test('When the broker password is read, then RabbitMQ and the services use the same variable', () => {
    const brokerPassword = environment('rabbitmq').RABBITMQ_DEFAULT_PASS;
    const user = environment('rabbitmq').RABBITMQ_DEFAULT_USER;

    for (const spec of SERVICES) {
      expect(environment(spec.name).AMQP_URL).toBe(
        `amqp://${user}:${brokerPassword}@rabbitmq:${INFRA_PORTS.rabbitmq}`,
      );
    }
  });
});

describe('docker-compose.yml infrastructure', () => {
  test('When infrastructure services are read, then only Prometheus, Grafana and Kibana are published, on 127.0.0.1 by default', () => {
    const local = (port: number) => `\${SHOP_BIND_ADDRESS:-127.0.0.1}:${port}:${port}`;
    expect(publishedPorts('prometheus')).toEqual([local(INFRA_PORTS.prometheus)]);
    expect(publishedPorts('grafana')).toEqual([local(INFRA_PORTS.grafana)]);
    expect(publishedPorts('kibana')).toEqual([local(INFRA_PORTS.kibana)]);
    for (const name of ['rabbitmq', 'redis', 'elasticsearch', 'alertmanager']) {
      expect(publishedPorts(name), name).toEqual([]);
    }
    // The Docker daemon's GELF log driver sends RabbitMQ's and Redis's logs from the host: loopback only.
    expect(publishedPorts('logstash')).toEqual(['127.0.0.1:12201:12201/udp']);
  });

  test('When every published port is read, then none of them is a service port, Redis or Elasticsearch', () => {
    const published = Object.keys(services).flatMap((name) => publishedPorts(name));
    for (const port of published) {
      expect(port, port).toMatch(/^(\$\{SHOP_BIND_ADDRESS:-127\.0\.0\.1\}|127\.0\.0\.1):/);
      expect(port).not.toMatch(/:(500[1-6]|6379|9200|5672|15672)(:|$)/);
    }
  });

  test('When bind mounts are read, then every mounted repository file or folder exists', () => {
    const mounts: string[] = [];
    for (const [name, entry] of Object.entries(services)) {
      for (const volume of asArray(at(entry, 'volumes') ?? [], `${name}.volumes`)) {
        const source = asString(volume, `${name} volume`).split(':')[0] ?? '';
        if (!source.startsWith('./')) continue;
        mounts.push(source);
        expect(repoFileExists(source.slice(2)), `${name} mounts ${source}`).toBe(true);
      }
    }
    expect(mounts).toEqual(
      expect.arrayContaining([
        './prometheus.yml',
        './prometheus-alerts.yml',
        './grafana/provisioning',
        './grafana/dashboards',
        './logstash/pipeline',
        './elasticsearch',
        './kibana/ecommerce-logs.ndjson',
      ]),
    );
  });

  test('When Prometheus is read, then its alert rules are mounted where prometheus.yml looks for them', () => {
    const volumes = arrayAt(service('prometheus'), 'volumes').map((volume) => asString(volume, 'volume'));
    const ruleFile = asString(arrayAt(readRepoYaml('prometheus.yml'), 'rule_files')[0], 'rule_files[0]');

    expect(volumes).toContain('./prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(volumes).toContain(`./${ruleFile}:/etc/prometheus/${ruleFile}:ro`);
    expect(arrayAt(service('prometheus'), 'command')).toContain(
      '--config.file=/etc/prometheus/prometheus.yml',
    );
  });
});

describe('Dockerfile', () => {
  const dockerfile = readRepoText('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stage = (name: string): string[] => {
    const start = instructions.findIndex((line) => new RegExp(`^FROM \\S+ AS ${name}$`).test(line));
    const end = instructions.findIndex((line, index) => index > start && line.startsWith('FROM '));
    return instructions.slice(start, end === -1 ? undefined : end);
  };

  test('When the base image is read, then it is a supported Node.js LTS line that package.json engines admit', () => {
    const base = /^ARG NODE_IMAGE=node:(\d+)-/.exec(
      instructions.find((line) => line.startsWith('ARG NODE_IMAGE=')) ?? '',
    );
    const major = Number(base?.[1]);
    const engines = String(at(readRepoJson('package.json'), 'engines.node'));

    // Node 20 left support in April 2026; 22 is supported until April 2027, 24 until April 2028
    expect([22, 24]).toContain(major);
    expect(engines).toMatch(new RegExp(`>=\\s*(${major}|22)\\b`));
    expect(readRepoText('.nvmrc').trim()).toMatch(/^\d+/);
  });

  test('When it is read, then it is multi-stage, takes SERVICE and PORT, and compiles only platform and that service', () => {
    expect(instructions.filter((line) => line.startsWith('FROM ')).length).toBeGreaterThanOrEqual(3);
    expect(stage('build')).toContain('ARG SERVICE');
    expect(stage('build').some((line) => /^RUN npm ci\b.*--workspaces/.test(line))).toBe(true);
    expect(
      stage('build').some((line) => line.startsWith('RUN node scripts/tsc.mjs -b platform "${SERVICE}"')),
    ).toBe(true);
    expect(stage('runtime')).toEqual(expect.arrayContaining(['ARG SERVICE', 'ARG PORT']));
  });

  test("When the dependencies stage is read, then the image gets only platform's and the service's production dependencies", () => {
    const install = stage('deps').find((line) => line.startsWith('RUN npm ci')) ?? '';

    expect(install).toContain('--omit=dev');
    expect(install).toContain('--omit=optional');
    expect(install).toContain('--workspace=platform');
    expect(install).toContain('--workspace="${SERVICE}"');
    expect(install).not.toContain('--workspaces');
    const copies = stage('runtime').filter((line) => line.startsWith('COPY --from='));
    expect(
      copies
        .filter((line) => line.includes('node_modules'))
        .every((line) => line.startsWith('COPY --from=deps')),
    ).toBe(true);
    // nothing of the build stage's full install, and no other workspace
    expect(
      copies
        .filter((line) => line.startsWith('COPY --from=build'))
        .map((line) => line.split(' ')[1] === '--from=build' && line.split(' ')[2]),
    ).toEqual([
      '/app/platform/package.json',
      '/app/platform/dist',
      '/app/${SERVICE}/package.json',
      '/app/${SERVICE}/dist',
      '/app/${SERVICE}/migrations',
    ]);
  });

  test('When the runtime stage is read, then it runs the service as non-root with a liveness check on its own port', () => {
    const runtime = stage('runtime');
    const healthcheck = runtime.find((line) => line.startsWith('HEALTHCHECK')) ?? '';

    expect(runtime).toContain('USER node');
    expect(healthcheck).toContain("'http://127.0.0.1:' + process.env.PORT + '/health/live'");
    expect(healthcheck).not.toContain('8080');
    expect(runtime.some((line) => /^ENV .*PORT=\$\{PORT\}/.test(line))).toBe(true);
    expect(runtime).toContain('EXPOSE ${PORT}');
    expect(runtime.find((line) => line.startsWith('CMD'))).toContain(
      'exec node \\"/app/${SERVICE}/dist/src/main.js\\"',
    );
    expect(runtime.some((line) => /^ENV .*DATA_DIR=\/app\/data/.test(line))).toBe(true);
    expect(runtime.some((line) => /^ENV .*HOST=0\.0\.0\.0/.test(line))).toBe(true);
  });

  test('When it is read, then every root workspace manifest is copied before npm ci', () => {
    const workspaces = asArray(
      asRecord(readRepoJson('package.json'), 'package.json').workspaces,
      'workspaces',
    );
    const npmCi = instructions.findIndex((line) => line.startsWith('RUN npm ci'));

    for (const workspace of workspaces) {
      const copy = instructions.indexOf(`COPY ${String(workspace)}/package.json ${String(workspace)}/`);
      expect(copy, String(workspace)).toBeGreaterThan(-1);
      expect(copy, String(workspace)).toBeLessThan(npmCi);
    }
  });

  test('When .dockerignore is read, then it drops build output and local data but keeps sources', () => {
    const patterns = readRepoText('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));

    expect(patterns).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', 'data', '.env']));
    // repositories live in <service>/src/data/, so no pattern may match a nested data folder
    expect(patterns.filter((pattern) => /(^|\/)(\*\*\/)?data$/.test(pattern) && pattern !== 'data')).toEqual(
      [],
    );
    expect(patterns.some((pattern) => /^(\*\*\/)?src$|^scripts$|^platform$/.test(pattern))).toBe(false);
  });
});
