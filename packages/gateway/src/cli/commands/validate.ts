// `gatehouse validate [CONFIG]`: loads a gatehouse.yaml exactly as `start`
// would, checks every policy's settings as `start` builds them (without
// opening pin files or connecting anywhere), and reports OK with its warnings
// (exit 0) or every problem (exit 1), so CI can check a config before it ships.

import type { Command } from 'commander';
import { ConfigError, isConfigError } from '../../config/errors.ts';
import { loadConfig } from '../../config/load.ts';
import { validatePolicies } from '../../policy/registry.ts';
import { processIo, type CommandIo } from './command-io.ts';

export function registerValidateCommand(program: Command, io: CommandIo = processIo): Command {
  return program
    .command('validate')
    .description('check a gatehouse.yaml without starting the gateway: exit 0 when it is valid, 1 with every problem when not')
    .argument('[config]', 'the configuration file', 'gatehouse.yaml')
    .action(async (configPath: string) => {
      try {
        const { config, warnings } = await loadConfig(configPath, io.env);
        const problems = await validatePolicies(config.policies, { hasRedis: config.session.store !== 'memory' });
        if (problems.length > 0) throw new ConfigError('config_invalid', configPath, problems);
        io.out(`OK: ${configPath} is valid (${count(config.backends.length, 'backend')}, ${count(config.policies.length, 'policy', 'policies')})`);
        for (const warning of warnings) io.out(`warning: ${warning}`);
      } catch (error) {
        if (!isConfigError(error)) throw error;
        for (const line of error.message.split('\n')) io.err(line);
        io.fail(1);
      }
    });
}

function count(amount: number, singular: string, plural = `${singular}s`): string {
  return `${amount} ${amount === 1 ? singular : plural}`;
}
