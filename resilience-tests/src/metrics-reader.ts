/**
 * Sum of the samples of a Prometheus metric on `<baseUrl>/metrics` whose labels include `labels`;
 * undefined when no such sample is exposed.
 */
export async function metricValue(
  baseUrl: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number | undefined> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`GET ${baseUrl}/metrics: ${response.status}`);
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let sum: number | undefined;
  for (const line of (await response.text()).split('\n')) {
    if (line !== name && !line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!wanted.every((pair) => line.includes(pair))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}
