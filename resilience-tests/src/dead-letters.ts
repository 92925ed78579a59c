import { setTimeout as sleep } from 'node:timers/promises';
import { CONSUMER_QUEUES } from '@shop/platform/contracts';
import type { DeadLetter } from '@shop/platform/runtime';
import { openPlatformTransport, type PlatformTransport } from './platform-events.js';
import type { Platform } from './platform-runner.js';

/** Which dead letters a scenario meant to cause: poison it published, an event it forged. */
export type ExpectedDeadLetter = (letter: DeadLetter, queue: string) => boolean;

/** The dead letters of every consumer queue at one moment, by queue. */
export type DeadLetterSnapshot = ReadonlyMap<string, ReadonlySet<string>>;

type PlatformBus = Pick<Platform, 'amqpUrl' | 'dataDir' | 'services'>;

/** Every consumer queue of the services this stack runs (the platform's list: analytics' queue too). */
export function queuesOf(platform: Pick<Platform, 'services'>): string[] {
  return CONSUMER_QUEUES.flatMap(({ service, queue }) =>
    platform.services.includes(service) ? [queue] : [],
  );
}

async function withTransport<T>(
  platform: PlatformBus,
  use: (bus: PlatformTransport) => Promise<T>,
): Promise<T> {
  const bus = await openPlatformTransport(platform);
  try {
    return await use(bus);
  } finally {
    await bus.close().catch(() => undefined);
  }
}

/** A queue no consumer declared yet has no dead letters. */
async function lettersOf(bus: PlatformTransport, queue: string): Promise<DeadLetter[]> {
  try {
    return await bus.listDeadLetters(queue);
  } catch (error) {
    if ((error as Error).name === 'UnknownQueueError') return [];
    throw error;
  }
}

export function snapshotDeadLetters(platform: PlatformBus): Promise<DeadLetterSnapshot> {
  return withTransport(platform, async (bus) => {
    const snapshot = new Map<string, Set<string>>();
    for (const queue of queuesOf(platform)) {
      snapshot.set(queue, new Set((await lettersOf(bus, queue)).map((letter) => letter.deadLetterId)));
    }
    return snapshot;
  });
}

/**
 * The events invariant: once every consumer queue has drained (nothing waiting or waiting for a retry, at
 * most `drainTimeoutMs`), no dead letter appeared since `before` other than those the scenario `expected`
 * (its poison). A legitimate event is never dead-lettered. Returns one line per violation.
 */
export function deadLetterProblems(
  platform: PlatformBus,
  before: DeadLetterSnapshot,
  expected: readonly ExpectedDeadLetter[],
  drainTimeoutMs = 60_000,
): Promise<string[]> {
  return withTransport(platform, async (bus) => {
    const problems: string[] = [];
    const queues = queuesOf(platform);
    const deadline = Date.now() + drainTimeoutMs;
    for (;;) {
      const pending = await Promise.all(
        queues.map(async (queue) => [queue, await bus.pendingCount(queue).catch(() => 0)] as const),
      );
      const busy = pending.filter(([, count]) => count > 0);
      if (busy.length === 0) break;
      if (Date.now() > deadline) {
        problems.push(
          `events: still unhandled after ${drainTimeoutMs / 1000} s: ` +
            busy.map(([queue, count]) => `${queue} ${count}`).join(', '),
        );
        break;
      }
      await sleep(500);
    }
    for (const queue of queues) {
      const known = before.get(queue) ?? new Set<string>();
      for (const letter of await lettersOf(bus, queue)) {
        if (known.has(letter.deadLetterId) || expected.some((match) => match(letter, queue))) continue;
        problems.push(
          `dead letter in ${queue}: ${letter.type ?? 'unparsable'} ${letter.eventId ?? ''} ` +
            `(${letter.reason}: ${(letter.error ?? '').slice(0, 160)})`,
        );
      }
    }
    return problems;
  });
}
