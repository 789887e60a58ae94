// A horizontal bar chart in plain SVG: one bar per row, the value written
// beside it, and a table-like text alternative for screen readers. Small
// enough that a chart library would cost more than it gives.

export interface Bar {
  label: string;
  value: number;
}

export function BarChart({ title, bars, format }: { title: string; bars: readonly Bar[]; format: (value: number) => string }) {
  const max = Math.max(...bars.map((bar) => bar.value), 0);
  const rowHeight = 28;
  const labelWidth = 140;
  const width = 560;
  const barSpace = width - labelWidth - 90;
  const height = bars.length * rowHeight + 8;
  const description = bars.map((bar) => `${bar.label}: ${format(bar.value)}`).join('; ');
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={`${title}. ${description}`} preserveAspectRatio="xMinYMin meet">
        {bars.map((bar, index) => {
          const y = index * rowHeight + 4;
          const length = max === 0 ? 0 : Math.max(2, (bar.value / max) * barSpace);
          return (
            <g key={bar.label}>
              <text x={labelWidth - 8} y={y + 17} textAnchor="end" className="chart-label">{bar.label.length > 20 ? `${bar.label.slice(0, 19)}…` : bar.label}</text>
              <rect x={labelWidth} y={y + 4} width={length} height={rowHeight - 10} rx={3} className="chart-bar" />
              <text x={labelWidth + length + 6} y={y + 17} className="chart-value">{format(bar.value)}</text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
