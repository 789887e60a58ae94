#!/usr/bin/env node
// The `gatehouse` command: one program with a subcommand per job. Errors that
// carry a code (config errors, argument errors) print their message alone;
// anything else prints its stack, since it is a bug.

import { Command } from 'commander';
import { GATEWAY_VERSION } from '../version.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerValidateCommand } from './commands/validate.ts';
import { registerInitCommand } from './commands/init.ts';
import { registerTokenCommand } from './commands/token.ts';
import { registerAuditCommand } from './commands/audit.ts';
import { registerRegistryCommand } from './commands/registry.ts';
import { registerUsageCommand } from './commands/usage.ts';
import { registerRegistryLifecycleCommands } from './commands/registry-lifecycle.ts';
import { registerSchemaCommand } from './commands/schema.ts';
import { registerRedteamCommand } from './commands/redteam.ts';
import { registerVetCommand } from './commands/vet.ts';
import { registerAssessCommand } from './commands/assess.ts';

const program = new Command('gatehouse')
  .description('Gatehouse: one MCP endpoint in front of many MCP servers')
  .version(GATEWAY_VERSION)
  .showHelpAfterError();

registerStartCommand(program);
registerValidateCommand(program);
registerInitCommand(program);
registerTokenCommand(program);
registerAuditCommand(program);
registerRegistryLifecycleCommands(registerRegistryCommand(program));
registerUsageCommand(program);
registerSchemaCommand(program);
registerRedteamCommand(program);
registerVetCommand(program);
registerAssessCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const coded = error as { code?: unknown; message?: unknown };
  if (typeof coded.code === 'string' && typeof coded.message === 'string') {
    process.stderr.write(`gatehouse: ${coded.message}\n`);
  } else {
    process.stderr.write(`gatehouse: unexpected failure\n${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
}
