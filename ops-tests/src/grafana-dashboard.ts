import { asArray, asRecord, isRecord, type JsonRecord } from './shape.js';

/** Values used in place of Grafana's variables so an expression becomes plain PromQL. */
const builtInVariables: Record<string, string> = {
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1h',
};

/** Every panel of a dashboard, including panels nested in collapsed rows. */
export function dashboardPanels(dashboard: unknown): JsonRecord[] {
  const top = asArray(asRecord(dashboard, 'dashboard').panels, 'dashboard.panels').map((panel, index) =>
    asRecord(panel, `panels[${index}]`),
  );
  return top.flatMap((panel) => [
    panel,
    ...(Array.isArray(panel.panels)
      ? panel.panels.filter((nested): nested is JsonRecord => isRecord(nested))
      : []),
  ]);
}

/**
 * Turns a Grafana query into PromQL: built-in interval variables become durations and the dashboard's
 * own variables (e.g. `$service`) become `.*`, the "All" value. An unknown variable throws.
 */
export function grafanaExprToPromql(expr: string, dashboardVariables: readonly string[]): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    const builtIn = builtInVariables[name];
    if (builtIn !== undefined) return builtIn;
    if (dashboardVariables.includes(name)) return '.*';
    if (/^\d+$/.test(name)) return whole; // "$1" in label_replace replacements
    throw new Error(`unknown Grafana variable ${whole} in: ${expr}`);
  });
}

/** The selector inside a `label_values(selector, label)` variable query. */
export function labelValuesSelector(query: string): string | undefined {
  return /^label_values\((.+),\s*\w+\)$/.exec(query.trim())?.[1];
}
