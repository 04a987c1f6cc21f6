import { performance } from 'node:perf_hooks';

export interface Measurement {
  name: string;
  runs: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

/** Times `runs` sequential calls after a few warm-up calls; reports latency percentiles in ms. */
export async function measure(name: string, runs: number, work: () => Promise<unknown>): Promise<Measurement> {
  for (let warmUp = 0; warmUp < 5; warmUp += 1) await work();
  const samples: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    name,
    runs,
    p50Ms: round(percentile(samples, 0.5)),
    p99Ms: round(percentile(samples, 0.99)),
    meanMs: round(samples.reduce((sum, value) => sum + value, 0) / samples.length),
  };
}

export function printTable(title: string, rows: readonly Measurement[]): void {
  console.log(`\n${title}`);
  console.table(rows.map(({ name, runs, p50Ms, p99Ms, meanMs }) => ({ name, runs, 'p50 ms': p50Ms, 'p99 ms': p99Ms, 'mean ms': meanMs })));
}
