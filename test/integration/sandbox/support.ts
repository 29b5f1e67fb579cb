/**
 * Runs `vobiz-operator sandbox` as a child process the way a user's terminal runs it: in a
 * process group of its own, so a signal can go to the whole group as Ctrl-C does. TMPDIR points
 * at a folder of the test's, so the sandbox folder and every process that uses it can be found.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when the process exited. */
  at: number;
}

export class SandboxProcess {
  /** The TMPDIR of the sandbox: its folder is created in here. */
  readonly tmpDir: string;
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  stdout = '';
  stderr = '';

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    this.tmpDir = mkdtempSync(path.join(os.tmpdir(), 'vobiz-operator-sandbox-test-'));
    this.child = spawn(process.execPath, ['src/cli.ts', 'sandbox', ...args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, TMPDIR: this.tmpDir },
    });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  }

  /** Waits until standard error contains `text`; fails when the process exits first or after `timeoutMs`. */
  async waitForStderr(text: string, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stderr.includes(text)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`the sandbox exited before it printed ${JSON.stringify(text)}; stderr:\n${this.stderr}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${JSON.stringify(text)}; stderr:\n${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends `signal` to the sandbox's process group, as a terminal sends Ctrl-C; returns Date.now(). */
  signalGroup(signal: NodeJS.Signals): number {
    process.kill(-(this.child.pid ?? 0), signal);
    return Date.now();
  }

  /** Entries of the sandbox's TMPDIR: the sandbox folder while it exists. */
  tmpEntries(): string[] {
    return readdirSync(this.tmpDir);
  }

  /** Processes whose command line mentions the TMPDIR, such as the sandbox's etcd and kube-apiserver. */
  processesUsingTmpDir(): string[] {
    return processesMentioning(this.tmpDir);
  }

  /** Kills what is left of this run (by process group and by PID) and removes the TMPDIR. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.signalGroup('SIGKILL');
      await this.exited;
    }
    for (const entry of this.processesUsingTmpDir()) {
      process.kill(Number(entry.split(' ')[0]), 'SIGKILL');
    }
    rmSync(this.tmpDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

/** Lists `PID command line` of every process whose command line contains `text`, from /proc (Linux). */
export function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue; // The process exited while the list was read.
    }
    if (commandLine.includes(text)) found.push(`${entry} ${commandLine}`);
  }
  return found;
}

/** Polls `probe` every 100 ms until it returns an empty list or `timeoutMs` passes; returns the last list. */
export async function untilEmpty(probe: () => string[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let last = probe();
  while (last.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = probe();
  }
  return last;
}
