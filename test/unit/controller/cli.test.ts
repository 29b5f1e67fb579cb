/**
 * The `vobiz-operator` entry point as a process: help, version and usage errors. Only commands
 * that exit before connecting anywhere run here.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with no Vobiz credentials in the environment. */
function runCli(args: string[]): Promise<Run> {
  const env = { PATH: process.env.PATH ?? '' };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env, timeout: 20_000 }, (error, stdout, stderr) => {
      let code = 0;
      if (error !== null) {
        // A process killed by the timeout has no exit code.
        code = typeof error.code === 'number' ? error.code : -1;
      }
      resolve({ code, stdout, stderr });
    });
  });
}

describe('vobiz-operator CLI', () => {
  it('prints the version with --version', async () => {
    const run = await runCli(['--version']);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`vobiz-operator ${VERSION}\n`);
  });

  it('prints the version with version', async () => {
    const run = await runCli(['version']);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`vobiz-operator ${VERSION}\n`);
  });

  it('accepts run -h', async () => {
    const run = await runCli(['run', '-h']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: vobiz-operator run [flags]');
    expect(run.stdout).toContain('Exit codes:');
    expect(run.stderr).toBe('');
  });

  it('exits 2 for run without credentials', async () => {
    const run = await runCli(['run']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Vobiz credentials: missing');
  });
});
