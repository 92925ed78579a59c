import type { Platform } from '../platform-runner.js';
import type { BrokerSandbox } from '../broker-sandbox.js';
import type { ExpectedDeadLetter } from '../dead-letters.js';
import type { Component } from './dependencies.js';
import type { SuiteTarget } from './target.js';
import type { TallySummary } from './tally.js';

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export type ScenarioStatus = 'pass' | 'fail' | 'skip';

export interface ScenarioResult {
  name: string;
  title: string;
  status: ScenarioStatus;
  /** Why it was skipped, or the first failed check / error. */
  reason?: string;
  durationMs: number;
  /** Every request the scenario made under fault, summarised. */
  traffic?: TallySummary;
  /** Scenario-specific figures (phases, recovery times...). */
  figures: Record<string, unknown>;
  checks: Check[];
}

export interface ScenarioContext {
  target: SuiteTarget;
  /** Present when the suite started the platform itself (process-level faults are possible). */
  platform: Platform | undefined;
  /** The private RabbitMQ vhost the started platform uses, when AMQP_URL is set and rabbitmqctl works. */
  broker: BrokerSandbox | undefined;
  checks: Checks;
  figures: Record<string, unknown>;
  progress: (message: string) => void;
  /**
   * Declares dead letters the scenario causes on purpose (poison, forged events). After every scenario the
   * suite checks that no other dead letter appeared: a legitimate event is never dead-lettered.
   */
  expectDeadLetters: (match: ExpectedDeadLetter) => void;
  /**
   * Reports that `component` was disturbed (down, paused, slowed, failing, and the aftermath its callers
   * need) from `from` to `to` (epoch ms). The money invariant does not count time inside a window of
   * order-service or payment-service against the refund bound, which assumes both answer.
   */
  disturbed: (component: string, from: number, to: number) => void;
}

export interface Scenario {
  name: string;
  title: string;
  /** Longest the scenario may take before it is failed as timed out. */
  timeoutMs: number;
  /**
   * The components this scenario makes fail. After it ran, the suite checks that no request which depends
   * on none of them got a 5xx (or timed out): a fault must not spread (see suite/dependencies.ts).
   */
  failing: readonly Component[];
  /** A reason to skip on this target (missing service, no process control...), or undefined to run. */
  skipReason(target: SuiteTarget): Promise<string | undefined> | string | undefined;
  /** Runs the fault; returns the summary of the traffic sent while it was active. */
  run(context: ScenarioContext): Promise<TallySummary | undefined>;
}

/** Records named checks; a scenario passes when every check holds. */
export class Checks {
  readonly list: Check[] = [];

  check(name: string, ok: boolean, detail?: string): boolean {
    this.list.push(detail === undefined ? { name, ok } : { name, ok, detail });
    return ok;
  }

  /** Fails the check with `detail` when `problems` is not empty. */
  none(name: string, problems: readonly string[], max = 5): boolean {
    const shown =
      problems.slice(0, max).join('; ') +
      (problems.length > max ? `; ... ${problems.length - max} more` : '');
    return this.check(name, problems.length === 0, problems.length ? shown : undefined);
  }

  get failed(): Check[] {
    return this.list.filter((c) => !c.ok);
  }
}
