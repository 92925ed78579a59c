import { describe, expect, test } from 'vitest';
import { requireAmtool, runAmtool } from '../src/amtool.js';
import { readRepoYaml, repoRoot } from '../src/repo-files.js';
import { arrayAt, asRecord, at } from '../src/shape.js';

const config = readRepoYaml('alertmanager/alertmanager.yml');

describe('alertmanager/alertmanager.yml (compose)', () => {
  test('When amtool checks the config, then it is valid', (context) => {
    requireAmtool(context);

    const result = runAmtool(['check-config', 'alertmanager/alertmanager.yml'], repoRoot);

    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });

  test('When the routing is read, then every alert reaches the example webhook receiver, resolved ones too', () => {
    const receiver = asRecord(arrayAt(config, 'receivers')[0], 'receivers[0]');

    expect(at(config, 'route.receiver')).toBe(receiver.name);
    const webhook = asRecord(arrayAt(receiver, 'webhook_configs')[0], 'webhook_configs[0]');
    expect(new URL(String(webhook.url)).protocol).toMatch(/^https?:$/);
    expect(webhook.send_resolved).toBe(true);
  });

  test('When amtool routes the alerts, then a broker outage and a critical alert go to the webhook', (context) => {
    requireAmtool(context);

    for (const labels of [
      ['alertname=BrokerDown', 'severity=critical'],
      ['alertname=DeadLettersGrowing', 'severity=warning'],
    ]) {
      const result = runAmtool(
        ['config', 'routes', 'test', '--config.file=alertmanager/alertmanager.yml', ...labels],
        repoRoot,
      );
      expect(result.status, result.output).toBe(0);
      expect(result.output.split('\n')[0]).toBe('webhook');
    }
  });
});
