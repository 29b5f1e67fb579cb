/**
 * The Dockerfile's policy (pinned Node.js 24 base, production dependencies only, a numeric
 * non-root user, the `vobiz-operator run` entrypoint) and the parser the replay test uses.
 * The integration test replays the build itself.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { DockerIgnore, copyOperands, parseDockerfile } from '../../integration/chart/support/dockerfile.ts';

const REPO_ROOT = new URL('../../../', import.meta.url);
const stages = parseDockerfile(readFileSync(new URL('Dockerfile', REPO_ROOT), 'utf8'));
const packageJson = JSON.parse(readFileSync(new URL('package.json', REPO_ROOT), 'utf8')) as { devDependencies: Record<string, string> };
const runtime = stages.at(-1);

const commands = (stage: (typeof stages)[number] | undefined): string[] => (stage?.instructions ?? []).filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args);

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'runtime']);
  });

  it('pins the Node.js release of package.json by tag', () => {
    for (const stage of stages) {
      expect(stage.base).toBe(`node:${packageJson.devDependencies.node}-bookworm-slim`);
    }
  });

  it('builds with npm ci and npm run build', () => {
    expect(commands(stages[0])).toEqual(['npm ci --ignore-scripts', 'npm run build']);
  });

  it('installs production dependencies only in the image', () => {
    expect(commands(runtime)).toEqual(['npm ci --omit=dev --ignore-scripts && npm cache clean --force']);
  });

  it('copies only the compiled code and the CRDs into the image', () => {
    const copies = runtime?.instructions.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => ({ from: instruction.flags.from, ...copyOperands(instruction) }));
    expect(copies).toEqual([
      { from: undefined, sources: ['package.json', 'package-lock.json'], destination: './' },
      { from: 'build', sources: ['/app/dist'], destination: './dist' },
      { from: undefined, sources: ['crds'], destination: './crds' },
    ]);
  });

  it('runs as a numeric non-root user', () => {
    const user = runtime?.instructions.filter((instruction) => instruction.keyword === 'USER').at(-1)?.args;
    expect(user).toMatch(/^\d+:\d+$/);
    expect(user?.startsWith('0:')).toBe(false);
  });

  it('starts vobiz-operator run', () => {
    const entrypoint = runtime?.instructions.find((instruction) => instruction.keyword === 'ENTRYPOINT');
    const cmd = runtime?.instructions.find((instruction) => instruction.keyword === 'CMD');
    expect(entrypoint?.exec).toEqual(['node', 'dist/cli.js']);
    expect(cmd?.exec).toEqual(['run']);
  });
});

describe('parseDockerfile', () => {
  it('joins continued lines and skips comments', () => {
    const parsed = parseDockerfile(['FROM base:1 AS one', '# a comment', 'RUN a \\', '  # inside', '  && b', 'COPY --from=one /x ./y', 'FROM base:2', 'CMD ["c"]'].join('\n'));

    expect(parsed).toEqual([
      {
        base: 'base:1',
        name: 'one',
        instructions: [
          { keyword: 'RUN', args: 'a && b', flags: {}, line: 3 },
          { keyword: 'COPY', args: '/x ./y', flags: { from: 'one' }, line: 6 },
        ],
      },
      { base: 'base:2', name: undefined, instructions: [{ keyword: 'CMD', args: '["c"]', exec: ['c'], flags: {}, line: 8 }] },
    ]);
  });

  it('rejects an instruction before FROM', () => {
    expect(() => parseDockerfile('RUN true')).toThrow('Dockerfile line 1: RUN before the first FROM');
  });
});

describe('DockerIgnore', () => {
  const ignore = new DockerIgnore(readFileSync(fileURLToPath(new URL('.dockerignore', REPO_ROOT)), 'utf8'));

  it('sends what the Dockerfile copies', () => {
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/cli.ts', 'src/controller/manager.ts', 'crds/telephony.vobiz-operator.dev_phonenumbers.yaml']) {
      expect(ignore.ignores(file), file).toBe(false);
    }
  });

  it('leaves out local builds, dependencies and tests', () => {
    for (const file of ['node_modules/zod/package.json', 'dist/cli.js', '.cache/bin/helm-v4.3.2/helm', '.git/HEAD', 'test/unit/chart/dockerfile.test.ts', 'charts/vobiz-operator/Chart.yaml', '.env']) {
      expect(ignore.ignores(file), file).toBe(true);
    }
  });

  it('applies the last matching pattern', () => {
    const rules = new DockerIgnore('docs\n!docs/keep.md\n**/*.log');
    expect(rules.ignores('docs/other.md')).toBe(true);
    expect(rules.ignores('docs/keep.md')).toBe(false);
    expect(rules.ignores('src/deep/debug.log')).toBe(true);
    expect(rules.ignores('src/app.ts')).toBe(false);
  });
});
