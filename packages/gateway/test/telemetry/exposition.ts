// Reads the Prometheus text exposition (format 0.0.4) back into samples, so
// tests assert exact values by series: `samples.get('mcp_requests_total{server="crm",...}')`.
// Labels are kept in the order the exposition writes them.

export interface Exposition {
  /** `name{labels}` exactly as written → value. */
  samples: Map<string, number>;
  /** Metric name → `# TYPE`. */
  types: Map<string, string>;
}

export function parseExposition(text: string): Exposition {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const value = line.slice(space + 1);
    samples.set(line.slice(0, space), value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value));
  }
  return { samples, types };
}

/** Every sample of metric `name` (a histogram's `_bucket`, `_sum` and `_count` included). */
export function samplesOf(exposition: Exposition, name: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const [series, value] of exposition.samples) {
    const brace = series.indexOf('{');
    const seriesName = brace === -1 ? series : series.slice(0, brace);
    if (seriesName === name || seriesName === `${name}_bucket` || seriesName === `${name}_sum` || seriesName === `${name}_count`) found[series] = value;
  }
  return found;
}
