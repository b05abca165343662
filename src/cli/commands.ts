// Every command of the CLI, in the order `--help` lists them. Each module adds one command.
import type { Command } from 'commander';

type Register = (program: Command) => void;

const registrations: Register[] = [];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
