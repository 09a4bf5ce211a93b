// What the CLI shows while it works, on stderr: redrawn progress bars on a terminal, plain lines
// otherwise (logs, CI), nothing at all with --json.
import type { CheckStatusResponse, UploadProgress } from '../src/client/node';
import type { CliStream } from './main';

export interface Reporter {
  line(text: string): void;
  uploadStarted(part: string, fileBytes: number): void;
  uploadProgress(progress: UploadProgress): void;
  uploadDone(part: string): void;
  status(view: CheckStatusResponse): void;
  /** Runs the wait, showing the elapsed time on a terminal. */
  waiting<T>(wait: () => Promise<T>): Promise<T>;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 80;

export function createReporter(options: { readonly enabled: boolean; readonly stream: CliStream }): Reporter {
  const out = options.stream;
  if (!options.enabled) {
    return {
      line: () => {},
      uploadStarted: () => {},
      uploadProgress: () => {},
      uploadDone: () => {},
      status: () => {},
      waiting: (wait) => wait(),
    };
  }
  const tty = out.isTTY === true;
  let lastDraw = 0;
  let lastProgress: UploadProgress | undefined;
  let started = Date.now();
  let status = '';
  // Carriage-return redraws leave a tail behind when the new text is shorter; pad it away.
  let drawn = 0;
  const redraw = (text: string): void => {
    out.write(`\r${text}${' '.repeat(Math.max(0, drawn - text.length))}`);
    drawn = text.length;
  };
  const endLine = (): void => {
    if (drawn > 0) out.write('\n');
    drawn = 0;
  };

  return {
    line: (text) => {
      endLine();
      out.write(`${text}\n`);
    },
    uploadStarted: (part, fileBytes) => {
      started = Date.now();
      lastProgress = undefined;
      if (!tty) out.write(`${part}: uploading ${formatBytes(fileBytes)}\n`);
    },
    uploadProgress: (progress) => {
      lastProgress = progress;
      if (!tty) return;
      const now = Date.now();
      if (progress.loaded < progress.total && now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      redraw(progressBar(progress));
    },
    uploadDone: (part) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (tty) {
        if (lastProgress) redraw(progressBar(lastProgress));
        out.write(`  ${seconds} s\n`);
        drawn = 0;
      } else {
        out.write(`${part}: uploaded (${lastProgress ? formatBytes(lastProgress.total) : '?'} sent, ${seconds} s)\n`);
      }
    },
    status: (view) => {
      status = view.status;
      if (!tty) out.write(`status: ${view.status}${view.decision ? ` ${view.decision}` : ''}\n`);
    },
    waiting: async (wait) => {
      if (!tty) return wait();
      const since = Date.now();
      const tick = (): void =>
        redraw(`waiting for the outcome… ${status || 'asking'} (${Math.round((Date.now() - since) / 1000)} s)`);
      tick();
      const timer = setInterval(tick, 250);
      try {
        return await wait();
      } finally {
        clearInterval(timer);
        tick();
        endLine();
      }
    },
  };
}

export function progressBar(progress: UploadProgress): string {
  const fraction = progress.total > 0 ? Math.min(1, progress.loaded / progress.total) : 0;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${progress.part.padEnd(9)} [${bar}] ${percent}  ${formatBytes(progress.loaded)} / ${formatBytes(progress.total)}`;
}

/** Binary units, as the gateway's limits are set (a "10 MB" limit is 10 MiB = 10,485,760 bytes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
