// Just enough of the POSIX shell's word splitting to read the command lines
// in documentation and workflow files: quotes, backslash escapes and line
// continuations, `#` comments, and the operators (`&&`, `||`, `;`, `|`, `>`)
// that end a simple command. No expansion: `$VAR` stays as written.

export interface ShellCommand {
  words: string[];
  /** The comment at the end of the line, without `#`. */
  comment: string | undefined;
}

const OPERATORS = ['&&', '||', ';', '|', '>', '2>', '&'];

/** The commands of `script`, one per logical line (continuations joined), each cut at its first operator. */
export function shellCommands(script: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  for (const line of script.replace(/\\\n/g, ' ').split('\n')) {
    const parsed = splitWords(line);
    if (parsed.words.length > 0) commands.push(parsed);
  }
  return commands;
}

export function splitWords(line: string): ShellCommand {
  const words: string[] = [];
  let current: string | undefined;
  let comment: string | undefined;
  let index = 0;
  let isCut = false;
  const push = () => {
    if (current !== undefined && !isCut) words.push(current);
    current = undefined;
  };
  while (index < line.length) {
    const character = line[index]!;
    if (character === "'" ) {
      const end = line.indexOf("'", index + 1);
      current = (current ?? '') + line.slice(index + 1, end === -1 ? undefined : end);
      index = end === -1 ? line.length : end + 1;
    } else if (character === '"') {
      let text = '';
      index++;
      while (index < line.length && line[index] !== '"') {
        if (line[index] === '\\' && ['"', '\\', '$', '`'].includes(line[index + 1] ?? '')) index++;
        text += line[index];
        index++;
      }
      current = (current ?? '') + text;
      index++;
    } else if (character === '\\') {
      current = (current ?? '') + (line[index + 1] ?? '');
      index += 2;
    } else if (/\s/.test(character)) {
      push();
      index++;
    } else if (character === '#' && current === undefined) {
      comment = line.slice(index + 1).trim();
      break;
    } else {
      const operator = OPERATORS.find((candidate) => line.startsWith(candidate, index));
      if (operator !== undefined && current === undefined) {
        isCut = true;
        index += operator.length;
      } else {
        current = (current ?? '') + character;
        index++;
      }
    }
  }
  push();
  return { words, comment };
}
