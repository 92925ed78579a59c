// The only place ops-tests read the environment.

/** With REQUIRE_SERVICES=1 or CI=true a missing tool (promtool) is a failure, not a skip. */
export const toolsRequired: boolean = process.env.REQUIRE_SERVICES === '1' || process.env.CI === 'true';

/** promtool binary; PROMTOOL overrides the one found on PATH. */
export const promtoolCommand: string = process.env.PROMTOOL ?? 'promtool';

/** kubectl, used when present to render k8s/ with its newer built-in kustomize as well. */
export const kubectlCommand: string = process.env.KUBECTL ?? 'kubectl';

/** amtool (Alertmanager's checker, Debian package prometheus-alertmanager); AMTOOL overrides PATH. */
export const amtoolCommand: string = process.env.AMTOOL ?? 'amtool';
