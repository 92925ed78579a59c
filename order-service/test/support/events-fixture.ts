import { join } from 'node:path';
import { tempDir } from '@shop/platform/tools/testing';
import { startEventProbe, type EventProbe } from './event-probe.js';
import { startScenario, type Scenario } from './scenario.js';

export interface EventsFixture {
  dir: { path: string; cleanup(): void };
  probe: EventProbe;
  s: Scenario;
}

/** A fresh queue file, the probe declared on it first, then order-service wired to it like main.ts does. */
export async function startWithEvents(
  options: Parameters<typeof startScenario>[0] = {},
): Promise<EventsFixture> {
  const dir = tempDir('order-events-');
  const eventsFile = join(dir.path, 'events.db');
  const probe = await startEventProbe(eventsFile);
  const s = await startScenario({ ...options, eventsFile });
  return { dir, probe, s };
}

export async function stopFixture(fixture: EventsFixture): Promise<void> {
  await fixture.s.stop();
  await fixture.probe.stop();
  fixture.dir.cleanup();
}

/** Whether order-service's consumer has applied the event (its inbox row exists). */
export function handled(s: Scenario, eventId: string): boolean {
  return (
    s.orders.db
      .prepare('SELECT 1 FROM event_inbox WHERE consumer = ? AND event_id = ?')
      .get('order-service', eventId) !== undefined
  );
}
