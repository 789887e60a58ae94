// What V8's garbage collector did while the calls ran, from the gateway's
// `--trace-gc-nvp` lines (one per collection, name=value pairs): young
// collections (scavenges), full ones (mark-compact), their pauses, and the
// bytes the scavenges promoted to the old generation. Promoted bytes per
// call is the figure to watch: what a call leaves that outlives a young
// collection becomes old-generation garbage, full collections and resident
// memory (docs/benchmarks.md, "Session 11"). Pure.

export interface GcSummary {
  scavenges: number;
  markCompacts: number;
  /** Pause time of every collection, milliseconds. */
  pauseMs: number;
  /** Bytes the scavenges promoted to the old generation. */
  promotedBytes: number;
  /** Bytes allocated between collections, as V8 reports it on each scavenge line. */
  allocatedBytes: number;
}

const FIELD = /(?:^|\s)([a-z_.]+)=(\S+)/g;

/** The name=value pairs of one --trace-gc-nvp line. */
export function gcTraceFields(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const match of line.matchAll(FIELD)) fields.set(match[1]!, match[2]!);
  return fields;
}

/** Sums the collections in `text` (a stretch of the gateway's stdout); lines that are not collections are skipped. */
export function summarizeGcTrace(text: string): GcSummary {
  const summary: GcSummary = { scavenges: 0, markCompacts: 0, pauseMs: 0, promotedBytes: 0, allocatedBytes: 0 };
  for (const line of text.split('\n')) {
    if (!line.includes(' gc=')) continue;
    const fields = gcTraceFields(line);
    const kind = fields.get('gc');
    if (kind === 's') {
      summary.scavenges += 1;
      summary.promotedBytes += Number(fields.get('promoted') ?? 0);
      summary.allocatedBytes += Number(fields.get('allocated') ?? 0);
    } else if (kind === 'mc') {
      summary.markCompacts += 1;
    } else {
      continue;
    }
    summary.pauseMs += Number(fields.get('pause') ?? 0);
  }
  return summary;
}
