import { dashboardPanels, grafanaExprToPromql, labelValuesSelector } from './grafana-dashboard.js';
import { metricNamesIn } from './promql-metric-names.js';
import { readRepoJson, readRepoYaml } from './repo-files.js';
import { arrayAt, asRecord, asString, at, stringAt } from './shape.js';

export const DASHBOARD_FILE = 'grafana/dashboards/overview.json';
export const ALERTS_FILE = 'prometheus-alerts.yml';

/** One metric name read by one expression, and where that expression lives. */
export interface MetricUse {
  where: string;
  name: string;
}

/** The PromQL of every panel target and every variable query of a dashboard, labelled by where it is. */
export function dashboardExpressions(file = DASHBOARD_FILE): { where: string; promql: string }[] {
  const board = asRecord(readRepoJson(file), file);
  const variables = arrayAt(board, 'templating.list');
  const variableNames = variables.map((variable) => stringAt(variable, 'name'));
  const fromPanels = dashboardPanels(board)
    .filter((panel) => panel.type !== 'row')
    .flatMap((panel) =>
      arrayAt(panel, 'targets').map((target) => ({
        where: `${file} panel "${String(panel.title)}" ${String(at(target, 'refId'))}`,
        promql: grafanaExprToPromql(stringAt(target, 'expr'), variableNames),
      })),
    );
  const fromVariables = variables.map((variable) => {
    const query = stringAt(variable, 'query.query');
    const selector = labelValuesSelector(query);
    if (selector === undefined) throw new Error(`${file}: variable query is not label_values(...): ${query}`);
    return { where: `${file} variable ${stringAt(variable, 'name')}`, promql: selector };
  });
  return [...fromPanels, ...fromVariables];
}

/** Every alert rule's name and expression. */
export function alertExpressions(file = ALERTS_FILE): { alert: string; expr: string }[] {
  return arrayAt(readRepoYaml(file), 'groups').flatMap((group) =>
    arrayAt(group, 'rules').map((rule) => {
      const alert = asString(at(rule, 'alert'), `${file} rule.alert`);
      return { alert, expr: asString(at(rule, 'expr'), `${file} ${alert}.expr`) };
    }),
  );
}

/** Every metric name the dashboard and the alert rules read. */
export function metricUses(): MetricUse[] {
  const fromDashboard = dashboardExpressions().flatMap((entry) =>
    metricNamesIn(entry.promql).map((name) => ({ where: entry.where, name })),
  );
  const fromAlerts = alertExpressions().flatMap((rule) =>
    metricNamesIn(rule.expr).map((name) => ({ where: `${ALERTS_FILE} alert ${rule.alert}`, name })),
  );
  return [...fromDashboard, ...fromAlerts];
}
