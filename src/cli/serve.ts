// `netdissect serve RUN_DIR`: serve RUN_DIR/report on 127.0.0.1 (the report also opens from file://).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { serveReport } from '../report/serve.js';
import { RunDirError, UsageError } from '../util/errors.js';
import { parseIntOption } from './report.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the report of a run directory on http://127.0.0.1 (this machine only) until interrupted')
    .argument('<RUN_DIR>', 'run directory whose report/ was written by `netdissect report`')
    .option('--port <N>', 'port, 0 for any free port', parseIntOption('--port', 0, 65535), 8080)
    .action(async (runDir: string, opts: { port: number }) => {
      const dir = join(runDir, 'report');
      const index = await stat(join(dir, 'index.html')).catch(() => null);
      if (!index?.isFile()) throw new RunDirError(`${join(dir, 'index.html')}: not found; write the report first with \`netdissect report ${runDir}\``);
      const server = await serveReport(dir, opts.port).catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'EADDRINUSE'
          ? new UsageError(`--port ${opts.port}: already in use on 127.0.0.1; choose another port (or 0 for any free one)`)
          : err;
      });
      process.stderr.write(`serving ${dir} (127.0.0.1 only); press Ctrl+C to stop\n`);
      process.stdout.write(`${server.url}\n`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
