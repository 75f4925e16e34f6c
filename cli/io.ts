/** The process edges the CLI touches, injectable for tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
  /** Whether stdout is a terminal (colour, progress). */
  isTty: boolean;
  /** The terminal's width in columns, when stdout is one that tells (text messages wrap to it). */
  columns?: number;
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    isTty: Boolean(process.stdout.isTTY),
    ...(process.stdout.isTTY && process.stdout.columns > 0 ? { columns: process.stdout.columns } : {}),
    env: process.env,
  };
}

/** A usage error: exit code 2 with a message that says how to fix it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
