/**
 * Replays the Dockerfile's build in temporary folders, since no Docker engine runs here: the
 * build stage's `npm ci` and `npm run build` on a clean copy of the context, then the runtime
 * stage's production-only install, and finally the image's entrypoint with --help.
 *
 * The steps run with the project's Node.js 24 (the release the base image pins) and this
 * machine's npm, which prefers its cache and fetches the rest from the registry.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCommand } from './support/command.ts';
import { parseDockerfile, replayDockerfile, type ReplayedStage } from './support/dockerfile.ts';
import { REPO_ROOT } from './support/helm.ts';

const REPLAY_TIMEOUT_MS = 900_000;

describe('Dockerfile replay', () => {
  let workDir: string;
  let image: ReplayedStage;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const nodeMajor = Number(process.versions.node.split('.')[0]);
    expect(nodeMajor, 'run the tests with the project Node.js 24 (npx vitest)').toBeGreaterThanOrEqual(24);

    workDir = mkdtempSync(path.join(os.tmpdir(), 'vobiz-operator-image-'));
    // `node` on PATH is this Node.js 24, as in the node:24 base image; npm runs on it too.
    const bin = path.join(workDir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));

    // A clean environment, so no npm_config_* or PATH entry of the test run leaks into the build.
    // The machine's proxy and CA settings pass through, so npm can reach the registry.
    const passThrough = Object.fromEntries(
      ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']
        .filter((name) => process.env[name] !== undefined)
        .map((name) => [name, process.env[name]]),
    );
    env = {
      ...passThrough,
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`.split(path.delimiter).filter((entry) => !entry.includes('node_modules')).join(path.delimiter),
      HOME: process.env.HOME ?? os.homedir(),
      TMPDIR: os.tmpdir(),
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };

    const stages = parseDockerfile(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
    const replayed = await replayDockerfile(stages, {
      contextDir: REPO_ROOT,
      workDir,
      env,
      onRun: (stage, command) => console.log(`[dockerfile replay] ${stage}: RUN ${command}`),
    });
    image = replayed.at(-1) as ReplayedStage;
  }, REPLAY_TIMEOUT_MS);

  afterAll(() => {
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  const appDir = (): string => path.join(image.root, image.workingDir);

  it('runs the entrypoint with --help', async () => {
    const [command, ...entrypointArgs] = image.entrypoint ?? [];
    expect(command).toBe('node');

    const result = await runCommand(process.execPath, [...entrypointArgs, ...(image.cmd ?? []), '--help'], { cwd: appDir(), env: { ...env, ...image.env } });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Usage: vobiz-operator run [flags]');
    expect(result.stdout).toContain('--vobiz-credentials-dir');
    expect(result.code).toBe(0);
  });

  it('lists the subcommands', async () => {
    const result = await runCommand(process.execPath, ['dist/cli.js', '--help'], { cwd: appDir(), env: { ...env, ...image.env } });
    expect(result.stdout).toContain('Usage: vobiz-operator <command> [flags]');
    expect(result.code).toBe(0);
  });

  it('holds production dependencies only', () => {
    const modules = path.join(appDir(), 'node_modules');
    for (const dependency of ['@kubernetes/client-node', 'pino', 'prom-client', 'undici', 'zod']) {
      expect(existsSync(path.join(modules, dependency)), dependency).toBe(true);
    }
    // @types/node is absent from this list because @kubernetes/client-node depends on it.
    for (const devDependency of ['typescript', 'vitest', 'eslint', 'typescript-eslint', 'node']) {
      expect(existsSync(path.join(modules, devDependency)), devDependency).toBe(false);
    }
  });

  it('holds the compiled code and the CRDs, not the sources', () => {
    expect(readdirSync(appDir()).sort()).toEqual(['crds', 'dist', 'node_modules', 'package-lock.json', 'package.json']);
    expect(existsSync(path.join(appDir(), 'dist', 'cli.js'))).toBe(true);
    expect(readdirSync(path.join(appDir(), 'crds'))).toEqual(readdirSync(path.join(REPO_ROOT, 'crds')));
  });

  it('runs in production mode as a non-root user', () => {
    expect(image.env.NODE_ENV).toBe('production');
    expect(image.user).toBe('1000:1000');
  });
});
