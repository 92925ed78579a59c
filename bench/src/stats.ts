/** Median of the values (the mean of the middle two for an even count); NaN without values. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Smallest and largest of the rounds. */
export interface Spread {
  min: number;
  max: number;
}

export function spreadOf(values: readonly number[]): Spread | undefined {
  const defined = values.filter((value) => !Number.isNaN(value));
  if (defined.length === 0) return undefined;
  return { min: Math.min(...defined), max: Math.max(...defined) };
}
