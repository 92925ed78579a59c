export interface CheckResult {
  ok: boolean;
  detail?: string | undefined;
}

/** A named readiness check: the database, migrations, the event broker... */
export type ReadinessCheck = () => CheckResult | Promise<CheckResult>;

export interface ReadinessReport {
  status: 'ready' | 'not_ready' | 'shutting_down';
  checks: Record<string, CheckResult>;
}

export async function runReadiness(
  checks: Record<string, ReadinessCheck>,
  shuttingDown: boolean,
): Promise<ReadinessReport> {
  const results: Record<string, CheckResult> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        results[name] = await check();
      } catch (error) {
        results[name] = { ok: false, detail: (error as Error).message };
      }
    }),
  );
  if (shuttingDown) return { status: 'shutting_down', checks: results };
  return { status: Object.values(results).every((r) => r.ok) ? 'ready' : 'not_ready', checks: results };
}
