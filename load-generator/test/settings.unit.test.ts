import { describe, expect, test } from 'vitest';
import { describeSettings, UsageError } from '@shop/platform/tools';
import { FLOWS, parseMix } from '../src/flows.js';
import { environmentSchema, runChoices } from '../src/settings.js';

const noEnvironment = {
  GATEWAY_URL: undefined,
  DATA_DIR: undefined,
  ADMIN_EMAIL: undefined,
  ADMIN_PASSWORD: undefined,
};

describe('runChoices', () => {
  test('When only --rate 20 --duration 5m are given, then 12 customers, 10 flows at a time, the default mix and admin', () => {
    const choices = runChoices({ rate: '20', duration: '5m' }, noEnvironment);

    expect(choices).toMatchObject({
      rate: 20,
      durationMs: 300_000,
      customers: 12,
      concurrency: 10,
      adminEmail: 'admin@shop.local',
      allowRemote: false,
      json: false,
    });
    expect(choices.mix.get('order')).toBe(25);
  });

  test('When the rate is high, then customers grow with it so each stays far below its own budget', () => {
    const choices = runChoices({ rate: '300' }, noEnvironment);

    expect(choices.customers).toBe(60);
    expect(choices.concurrency).toBe(60);
  });

  test('When ADMIN_EMAIL is set, then it is the admin unless --admin-email says otherwise', () => {
    const environment = { ...noEnvironment, ADMIN_EMAIL: 'ops@shop.test' };

    expect(runChoices({}, environment).adminEmail).toBe('ops@shop.test');
    expect(runChoices({ 'admin-email': 'root@shop.test' }, environment).adminEmail).toBe('root@shop.test');
  });

  test.each([
    [{ rate: '0' }, '--rate'],
    [{ rate: 'fast' }, '--rate'],
    [{ rate: '100000' }, '--rate'],
    [{ duration: '0.5s' }, '--duration'],
    [{ duration: '25h' }, '--duration'],
    [{ duration: 'forever' }, '--duration'],
    [{ customers: '2.5' }, '--customers'],
    [{ customers: '4', concurrency: '5' }, '--concurrency 5 is more than --customers 4'],
    [{ mix: 'shopping=3' }, 'no flow named "shopping"'],
    [{ mix: 'order=-1' }, 'whole number'],
    [{ mix: FLOWS.map((flow) => `${flow.name}=0`).join(',') }, 'at least one flow'],
  ])('When given %j, then a usage error names %s', (options, named) => {
    expect(() => runChoices(options, noEnvironment)).toThrow(UsageError);
    expect(() => runChoices(options, noEnvironment)).toThrow(named);
  });
});

describe('parseMix', () => {
  test('When some weights are given, then they replace those defaults and the others stay', () => {
    const mix = parseMix('order=50, browse-anonymous=0');

    expect(mix.get('order')).toBe(50);
    expect(mix.get('browse-anonymous')).toBe(0);
    expect(mix.get('browse')).toBe(25);
    expect(mix.size).toBe(FLOWS.length);
  });
});

describe('npm run load -- --help', () => {
  test('When the help lists the environment, then every variable the command reads is there with a description', () => {
    const help = describeSettings(environmentSchema).join('\n');

    for (const name of Object.keys(environmentSchema.shape)) {
      expect(help).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(help).not.toContain('(undocumented)');
  });
});
