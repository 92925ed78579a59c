import { describe, expect, test } from 'vitest';
import { pluginsIn, sectionNames } from '../src/logstash-config.js';
import { metricNamesIn } from '../src/promql-metric-names.js';

describe('metricNamesIn (PromQL scanner)', () => {
  test('When an expression aggregates with by, then only metric names are returned', () => {
    expect(
      metricNamesIn(
        'sum by (service) (rate(http_requests_total{status=~"5.."}[5m])) / sum without (route) (rate(http_requests_total[5m]))',
      ),
    ).toEqual(['http_requests_total']);
  });

  test('When an expression mixes functions, offsets, keywords and strings, then none of them is a metric', () => {
    const expr =
      'histogram_quantile(0.95, sum(rate(a_bucket[5m])) by (le)) > 0.5 and on (job, instance) (up offset 10m) ' +
      'or label_replace(b_total, "x", "$1", "y", "(.*)") unless c{name="d_total"} @ end()';

    expect(metricNamesIn(expr).sort()).toEqual(['a_bucket', 'b_total', 'c', 'up']);
  });
});

describe('pluginsIn (Logstash config reader)', () => {
  const config = `
    # comment with { brace
    input { tcp { port => 5000 codec => json_lines } beats { port => "5044" } }
    filter {
      if [message] =~ /^\\s*\\{/ { json { source => "message" } }
    }
    output { elasticsearch { hosts => ["http://es:9200"] index => "logs-%{+YYYY.MM.dd}" } }
  `;

  test('When a pipeline has regexes, comments and nested blocks, then sections and settings are read', () => {
    expect(sectionNames(config)).toEqual(['input', 'filter', 'output']);
    expect(pluginsIn(config, 'input').map((plugin) => [plugin.name, plugin.settings.get('port')])).toEqual([
      ['tcp', '5000'],
      ['beats', '5044'],
    ]);
    const output = pluginsIn(config, 'output')[0];
    expect(output?.settings.get('index')).toBe('logs-%{+YYYY.MM.dd}');
    expect(output?.settings.get('hosts')).toBe('["http://es:9200"]');
  });

  test('When braces are unbalanced, then reading fails', () => {
    expect(() => sectionNames('input { tcp { port => 5000 }')).toThrow('unbalanced');
  });
});
