// The netdissect command line: one commander program, one module per command (src/cli/*.ts).
// Results go to files/stdout, progress and messages to stderr; exit 0 done, 1 failed, 2 usage.
import { Command, CommanderError, type Option } from 'commander';
import { NetDissectError } from '../util/errors.js';
import { versionLine } from '../util/version.js';
import { registerCommands } from './commands.js';

export async function main(argv: readonly string[]): Promise<number> {
  // A closed pipe (`netdissect layers ... | head`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const program = new Command('netdissect')
    .description('Network Dissection of ONNX models on densely labelled concept datasets')
    .version(versionLine(), '-V, --version', 'print the netdissect, onnxruntime-node and Node.js versions')
    .exitOverride()
    .configureHelp({ optionDescription: describeOption })
    // Commander's own errors (unknown option, missing argument) in the same one-line form as ours.
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`netdissect: ${s.trim().replace(/\s*\n\s*/g, ' ')} (run with --help for usage)\n`),
    });
  registerCommands(program);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

/**
 * An option's help line: its description, then its default once, as a user writes it (4G, not
 * 4294967296, via the option's default description; runs/demo, not "runs/demo"). A description
 * that already states its default keeps it; on/off flags show none.
 */
function describeOption(option: Option): string {
  const extra: string[] = [];
  if (option.argChoices) extra.push(`choices: ${option.argChoices.join(', ')}`);
  const d: unknown = option.defaultValue;
  if (d !== undefined && typeof d !== 'boolean' && !/\(default[:\s]/.test(option.description)) {
    extra.push(`default: ${option.defaultValueDescription ?? (Array.isArray(d) ? d.join(',') : String(d))}`);
  }
  if (extra.length === 0) return option.description;
  return option.description ? `${option.description} (${extra.join(', ')})` : `(${extra.join(', ')})`;
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end through here with exit code 0.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof NetDissectError) {
    process.stderr.write(`netdissect: error: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`netdissect: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env['NETDISSECT_DEBUG']) process.stderr.write(`${e?.stack ?? ''}\n`);
  else process.stderr.write('(set NETDISSECT_DEBUG=1 for the stack trace, and please report it)\n');
  return 1;
}
