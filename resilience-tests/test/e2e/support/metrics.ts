/** Sum of every sample of a Prometheus metric on `<baseUrl>/metrics`; undefined when it is not exposed. */
export async function metricValue(baseUrl: string, name: string): Promise<number | undefined> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`GET ${baseUrl}/metrics: ${response.status}`);
  let sum: number | undefined;
  for (const line of (await response.text()).split('\n')) {
    if (line !== name && !line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}
