import { describe, expect, test } from 'vitest';
import { pluginsIn, sectionNames, type LogstashPlugin } from '../src/logstash-config.js';
import { readRepoJson, readRepoText, readRepoYaml } from '../src/repo-files.js';
import { INFRA_PORTS } from '../src/service-catalog.js';
import {
  arrayAt,
  asArray,
  asRecord,
  asString,
  at,
  isRecord,
  stringAt,
  type JsonRecord,
} from '../src/shape.js';

const pipelineFile = 'logstash/pipeline/ecommerce-logs.conf';
const pipeline = readRepoText(pipelineFile);
const ndjsonFile = 'kibana/ecommerce-logs.ndjson';
const templateFile = 'elasticsearch/ecommerce-logs-template.json';

function plugin(plugins: LogstashPlugin[], name: string): LogstashPlugin {
  const found = plugins.find((entry) => entry.name === name);
  if (!found) throw new Error(`no ${name} plugin in ${plugins.map((entry) => entry.name).join(', ')}`);
  return found;
}

/** Logstash's %{+YYYY.MM.dd} for a given day (Joda pattern, UTC). */
function renderDailyIndex(pattern: string, day: Date): string {
  const yyyy = String(day.getUTCFullYear());
  const mm = String(day.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(day.getUTCDate()).padStart(2, '0');
  return pattern.replace('%{+YYYY.MM.dd}', `${yyyy}.${mm}.${dd}`);
}

function globMatches(glob: string, value: string): boolean {
  const pattern = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(value);
}

/** The mapped type of a dotted field, walking nested `properties` (e.g. service.name). */
function mappedType(properties: unknown, field: string): unknown {
  const [head = '', ...rest] = field.split('.');
  const entry = isRecord(properties) ? properties[head] : undefined;
  return rest.length === 0 ? at(entry, 'type') : mappedType(at(entry, 'properties'), rest.join('.'));
}

function savedObjects(): JsonRecord[] {
  return readRepoText(ndjsonFile)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => asRecord(JSON.parse(line) as unknown, `${ndjsonFile} line ${index + 1}`));
}

function objectOf(type: string, title: string): JsonRecord {
  const found = savedObjects().find(
    (object) => object.type === type && at(object, 'attributes.title') === title,
  );
  if (!found) throw new Error(`no ${type} titled "${title}" in ${ndjsonFile}`);
  return found;
}

describe('logstash pipeline', () => {
  test('When the pipeline is read, then it has balanced input, filter and output sections', () => {
    expect(sectionNames(pipeline)).toEqual(['input', 'filter', 'output']);
  });

  test('When the inputs are read, then JSON lines arrive over TCP and Beats on 5044', () => {
    const inputs = pluginsIn(pipeline, 'input');

    const tcp = plugin(inputs, 'tcp');
    expect(tcp.settings.get('codec')).toBe('json_lines');
    expect(Number(tcp.settings.get('port'))).toBeGreaterThan(0);
    expect(plugin(inputs, 'beats').settings.get('port')).toBe(String(INFRA_PORTS.logstashBeats));
  });

  test('When the filters are read, then dotted ECS keys are expanded before any nested field is tested', () => {
    const filter = pipeline.slice(pipeline.indexOf('\nfilter {'), pipeline.indexOf('\noutput {'));
    const expand = filter.indexOf('id => "expand_dotted_keys"');

    expect(expand).toBeGreaterThan(-1);
    // "service.name" as the services write it is a top-level key with a dot until this filter has run
    for (const nested of ['[service][name]', '[log][level]', '[correlationId]']) {
      expect(filter.indexOf(nested), nested).toBeGreaterThan(expand);
    }
    expect(filter.slice(expand)).toContain('event.set("[" + key.split(".").join("][") + "]", value)');
  });

  test('When the output is read, then it writes daily ecommerce-logs indices to Elasticsearch', () => {
    const outputs = pluginsIn(pipeline, 'output');

    expect(outputs.map((entry) => entry.name)).toEqual(['elasticsearch']);
    const elasticsearch = plugin(outputs, 'elasticsearch');
    expect(elasticsearch.settings.get('index')).toBe('ecommerce-logs-%{+YYYY.MM.dd}');
    expect(elasticsearch.settings.get('hosts')).toContain('http://elasticsearch:9200');
    expect(elasticsearch.settings.get('data_stream')).toBe('false');
  });

  test('When compose runs Logstash, then it mounts this pipeline and publishes only the GELF input, on 127.0.0.1 (the log driver sends from the host)', () => {
    const logstash = asRecord(
      at(readRepoYaml('docker-compose.yml'), 'services.logstash'),
      'services.logstash',
    );
    const ports = arrayAt(logstash, 'ports').map(
      (port) =>
        String(port)
          .replace(/\/udp$/, '')
          .split(':')[1],
    );
    const gelfPorts = pluginsIn(pipeline, 'input')
      .filter((entry) => entry.name === 'gelf')
      .map((entry) => entry.settings.get('port'));

    expect(arrayAt(logstash, 'volumes')).toContain('./logstash/pipeline:/usr/share/logstash/pipeline:ro');
    // the other inputs (TCP JSON lines, Beats) are on the compose network only (docs/security.md)
    expect(gelfPorts).toHaveLength(1);
    expect(ports).toEqual(gelfPorts);
    for (const port of arrayAt(logstash, 'ports')) expect(String(port)).toMatch(/^127\.0\.0\.1:/);
  });
});

describe('elasticsearch index template', () => {
  const template = asRecord(readRepoJson(templateFile), templateFile);

  test('When the template is read, then it applies to ecommerce-logs-* and maps correlationId as keyword', () => {
    expect(arrayAt(template, 'index_patterns')).toEqual(['ecommerce-logs-*']);
    expect(at(template, 'template.mappings.properties.correlationId.type')).toBe('keyword');
    expect(at(template, 'template.mappings.properties.@timestamp.type')).toBe('date');
  });

  test('When ECS fields are read, then those used to filter one request are keywords', () => {
    const properties = at(template, 'template.mappings.properties');

    expect(mappedType(properties, 'userId')).toBe('keyword');
    expect(mappedType(properties, 'service.name')).toBe('keyword');
    expect(mappedType(properties, 'log.level')).toBe('keyword');
    expect(mappedType(properties, 'url.path')).toBe('keyword');
    expect(mappedType(properties, 'http.response.status_code')).toBe('long');
    expect(mappedType(properties, 'event.duration')).toBe('long');
    expect(mappedType(properties, 'message')).toBe('text');
  });

  test("When Logstash names today's index, then the template and the Kibana data view both match it", () => {
    const index = renderDailyIndex(
      plugin(pluginsIn(pipeline, 'output'), 'elasticsearch').settings.get('index') ?? '',
      new Date(Date.UTC(2025, 0, 31)),
    );
    const dataViewTitle = stringAt(objectOf('index-pattern', 'ecommerce-logs-*'), 'attributes.title');

    expect(index).toBe('ecommerce-logs-2025.01.31');
    expect(globMatches(asString(arrayAt(template, 'index_patterns')[0], 'index_patterns[0]'), index)).toBe(
      true,
    );
    expect(globMatches(dataViewTitle, index)).toBe(true);
    expect(globMatches(dataViewTitle, 'other-logs-2025.01.31')).toBe(false);
  });
});

describe('kibana saved objects', () => {
  test('When each NDJSON line is parsed, then it is a saved object with a unique id', () => {
    const objects = savedObjects();
    const ids = objects.map((object) => `${stringAt(object, 'type')}:${stringAt(object, 'id')}`);

    expect(objects.map((object) => object.type).sort()).toEqual([
      'dashboard',
      'index-pattern',
      'search',
      'search',
      'visualization',
      'visualization',
      'visualization',
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('When the data view is read, then its title is ecommerce-logs-* with @timestamp as time field', () => {
    const dataView = objectOf('index-pattern', 'ecommerce-logs-*');

    expect(at(dataView, 'attributes.timeFieldName')).toBe('@timestamp');
  });

  test('When "One request by correlation ID" is read, then it queries correlationId oldest first on the data view', () => {
    const search = objectOf('search', 'One request by correlation ID');
    const dataView = objectOf('index-pattern', 'ecommerce-logs-*');
    const source = asRecord(
      JSON.parse(stringAt(search, 'attributes.kibanaSavedObjectMeta.searchSourceJSON')) as unknown,
      'searchSourceJSON',
    );

    expect(stringAt(source, 'query.query')).toMatch(/^correlationId\s*:/);
    expect(at(source, 'query.language')).toBe('kuery');
    expect(arrayAt(search, 'attributes.sort')).toEqual([['@timestamp', 'asc']]);
    expect(arrayAt(search, 'attributes.columns')).toEqual(
      expect.arrayContaining(['service.name', 'log.level', 'message', 'event.duration']),
    );
    expect(arrayAt(search, 'references')).toEqual([
      { name: stringAt(source, 'indexRefName'), type: 'index-pattern', id: dataView.id },
    ]);
  });

  test('When the logs dashboard is read, then every panel references an object shipped in the same file', () => {
    const objects = savedObjects();
    const dashboard = objectOf('dashboard', 'E-commerce logs');
    const references = arrayAt(dashboard, 'references');
    const panels = asArray(JSON.parse(stringAt(dashboard, 'attributes.panelsJSON')) as unknown, 'panelsJSON');

    expect(panels.length).toBeGreaterThanOrEqual(3);
    for (const panel of panels) {
      const reference = references.find((entry) => at(entry, 'name') === at(panel, 'panelRefName'));
      expect(reference, String(at(panel, 'panelRefName'))).toBeDefined();
      expect(
        objects.some((object) => object.id === at(reference, 'id') && object.type === at(reference, 'type')),
        String(at(reference, 'id')),
      ).toBe(true);
    }
    expect(references.map((entry) => at(entry, 'id'))).toContain('ecommerce-one-request');
  });

  test('When visualizations are read, then their aggregations use fields the template maps with the right type', () => {
    const properties = at(readRepoJson(templateFile), 'template.mappings.properties');
    const checked: string[] = [];
    for (const visualization of savedObjects().filter((object) => object.type === 'visualization')) {
      const visState = asRecord(
        JSON.parse(stringAt(visualization, 'attributes.visState')) as unknown,
        'visState',
      );
      expect(visState.title).toBe(at(visualization, 'attributes.title'));
      for (const agg of asArray(visState.aggs, 'aggs')) {
        const field = at(agg, 'params.field');
        if (typeof field !== 'string') continue;
        const expected = at(agg, 'type') === 'date_histogram' ? 'date' : 'keyword';
        expect(mappedType(properties, field), field).toBe(expected);
        checked.push(field);
      }
    }
    expect(new Set(checked)).toEqual(new Set(['@timestamp', 'service.name', 'log.level']));
  });
});
