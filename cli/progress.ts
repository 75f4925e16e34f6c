/** A progress bar for long runs: cli-progress on stderr when the CLI runs in a terminal, nothing otherwise. */
import { SingleBar } from 'cli-progress';

export interface Progress {
  start(total: number): void;
  increment(): void;
  stop(): void;
}

export const NO_PROGRESS: Progress = { start() {}, increment() {}, stop() {} };

export function terminalProgress(label: string, stream: NodeJS.WritableStream = process.stderr): Progress {
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} keys  {percentage}%  eta {eta_formatted}`,
    stream,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  return {
    start: (total) => bar.start(total, 0),
    increment: () => bar.increment(),
    stop: () => bar.stop(),
  };
}
