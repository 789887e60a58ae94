// Two tool definitions (pretty JSON) as a line diff, old lines marked "-",
// new "+" (line-diff.ts computes it).

import { diffLines } from './line-diff.ts';

export function DefinitionDiff({ before, after }: { before: unknown; after: unknown }) {
  const lines = diffLines(JSON.stringify(before, null, 2), JSON.stringify(after, null, 2));
  return (
    <pre className="diff" tabIndex={0} aria-label="Definition diff: lines starting with minus were removed, plus were added">
      {lines.map((line, index) => (
        <span key={index} className={`diff-${line.kind}`}>{line.kind === 'removed' ? '- ' : line.kind === 'added' ? '+ ' : '  '}{line.text}{'\n'}</span>
      ))}
    </pre>
  );
}
