// Where a CLI command writes and how it reports failure, passed in so that a
// test can run a command in-process against temp dirs and read what it said.

export interface CommandIo {
  /** One line of the command's result, for stdout. */
  out(line: string): void;
  /** One line of diagnostics (errors, warnings), for stderr. */
  err(line: string): void;
  /** Sets the process exit code without exiting, so pending output is flushed. */
  fail(exitCode: number): void;
  env: Readonly<Record<string, string | undefined>>;
}

export const processIo: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  fail: (exitCode) => {
    process.exitCode = exitCode;
  },
  get env() {
    return process.env;
  },
};
