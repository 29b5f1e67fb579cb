/**
 * Runs `vobiz-operator run` as a child process, the way a pod runs it, so a test can kill it
 * with SIGKILL at any moment. The child logs JSON lines (pino), which the helper keeps for
 * assertions and prints when a wait fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { inject } from 'vitest';

import type { RunningSimulator } from '../../../../src/simulator/index.ts';
import { eventually } from '../../support/kube.ts';

const CLI_PATH = fileURLToPath(new URL('../../../../src/cli.ts', import.meta.url));

/** One JSON log line of the child. */
export interface LogRecord {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

export interface OperatorProcessOptions {
  /** POD_NAME of the child, the start of its identity in the Lease and the Vobiz User-Agent. */
  name: string;
  simulator: RunningSimulator;
  namespace: string;
  /** Flags after the defaults, for example `--leader-elect`. */
  args?: string[];
}

export class OperatorProcess {
  readonly name: string;
  readonly logs: LogRecord[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly stderr: string[] = [];
  private partialLine = '';

  constructor(options: OperatorProcessOptions) {
    this.name = options.name;
    const args = [
      CLI_PATH,
      'run',
      '--vobiz-url', options.simulator.url,
      '--kubeconfig', inject('kubeconfigPath'),
      '--namespaces', options.namespace,
      '--http-port', '0',
      '--http-host', '127.0.0.1',
      '--sweep-interval', '1s',
      '--log-level', 'info',
      ...(options.args ?? []),
    ];
    // A fresh environment, so no VOBIZ_ or KUBECONFIG variable of the test run leaks in.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      POD_NAME: options.name,
      VOBIZ_AUTH_ID: options.simulator.authId,
      VOBIZ_AUTH_TOKEN: options.simulator.authToken,
    };

    this.child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.collect(chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  /** Identity the child reported in its "operator started" line. */
  async identity(): Promise<string> {
    const started = await this.waitForLog('the operator to start', (record) => record.msg === 'operator started');
    return String(started.identity);
  }

  /** Base URL of the child's metrics and health server. */
  async httpUrl(): Promise<string> {
    const started = await this.waitForLog('the operator to start', (record) => record.msg === 'operator started');
    return String(started.http);
  }

  /** Waits until /readyz returns 200: the informer synced and, on a leader, a sweep completed. */
  async waitForReady(timeoutMs = 30_000): Promise<void> {
    const url = await this.httpUrl();
    await this.waitFor(`operator ${this.name} to be ready`, async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), timeoutMs);
  }

  /** Waits for a log line that matches, and returns it. */
  async waitForLog(description: string, match: (record: LogRecord) => boolean, timeoutMs = 30_000): Promise<LogRecord> {
    return this.waitFor(description, () => this.logs.find(match), timeoutMs);
  }

  /** Like `eventually`, but a timeout names the child and shows its last log lines. */
  async waitFor<T>(description: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
    try {
      return await eventually(description, probe, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.describe()}`, { cause: error });
    }
  }

  /** Sends SIGKILL and waits for the exit: no shutdown code runs. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Sends SIGTERM and waits for the clean shutdown. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }

  /** Returns the last log lines and standard error, for failure messages. */
  describe(lines = 15): string {
    const recent = this.logs.slice(-lines).map((record) => `  ${JSON.stringify(record)}`);
    const stderr = this.stderr.join('').trim();
    return [`last log lines of operator ${this.name}:`, ...recent, ...(stderr === '' ? [] : [`stderr: ${stderr}`])].join('\n');
  }

  private collect(chunk: string): void {
    const lines = (this.partialLine + chunk).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        this.logs.push(JSON.parse(line) as LogRecord);
      } catch {
        this.stderr.push(`unparsed stdout line: ${line}\n`);
      }
    }
  }
}
