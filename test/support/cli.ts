/** Drives the CLI's main() in-process with captured output. */
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/io';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], opts: { stdin?: string; isTty?: boolean; columns?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: async () => opts.stdin ?? '',
    isTty: opts.isTty ?? false,
    ...(opts.columns !== undefined ? { columns: opts.columns } : {}),
    env: opts.env ?? {},
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
