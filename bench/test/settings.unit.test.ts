import { describe, expect, test } from 'vitest';
import { describeSettings } from '@shop/platform/tools';
import { settingsSchema } from '../src/config.js';

describe('npm run bench -- --help', () => {
  test('When the help lists the settings, then every variable the bench reads is there with a description', () => {
    const help = describeSettings(settingsSchema).join('\n');

    for (const name of Object.keys(settingsSchema.shape)) {
      expect(help).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(help).not.toContain('(undocumented)');
  });
});
