import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

/** A child process whose output goes to a log file, so a failed start can show its last lines. */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logPath: string;
  /** Resolves when the process has exited, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(timeoutMs?: number): Promise<void>;
  tail(lines?: number): string;
}

export function startProcess(name: string, command: string, args: string[], logPath: string): ManagedProcess {
  const log = createWriteStream(logPath, { flags: 'a' });

  // A process group of its own keeps a terminal's Ctrl-C away from the child: the parent
  // decides the shutdown order, and an API server whose etcd died first would hang its shutdown.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });

  // If the parent exits without calling stop() (an uncaught error, process.exit), the child
  // must not outlive it. Exit handlers run synchronously, so SIGKILL is the only option here.
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  };
  process.on('exit', killOnExit);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('exit', killOnExit);
      resolve({ code, signal });
    });
    child.on('error', () => resolve({ code: null, signal: null }));
  });

  const tail = (lines = 30): string => {
    try {
      return readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };

  // SIGTERM first so etcd and the API server shut down cleanly, SIGKILL if they hang.
  const stop = async (timeoutMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
    log.end();
  };

  return { name, child, logPath, exited, stop, tail };
}
