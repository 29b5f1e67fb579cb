/**
 * Reads a Dockerfile and its .dockerignore, and replays the build's WORKDIR, ENV, COPY and RUN
 * steps in local folders: each stage gets a folder as its root filesystem. No Docker engine runs
 * here, so this is how the tests check that the image's steps work.
 *
 * The replay runs commands on this machine, not in the base image: the caller puts the Node.js
 * release that the base image pins first on PATH. It supports the instructions the project's
 * Dockerfile uses and throws on any other that would change the filesystem.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface Instruction {
  /** Upper-case keyword, such as RUN. */
  keyword: string;
  /** Text after the keyword and its flags. */
  args: string;
  /** The arguments of the exec (JSON array) form, when used. */
  exec?: string[];
  /** Flags such as --from=build, without the dashes. */
  flags: Record<string, string>;
  line: number;
}

export interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Parses a Dockerfile into stages; comments and line continuations are handled. */
export function parseDockerfile(text: string): Stage[] {
  const logical: { text: string; line: number }[] = [];
  let pending: { text: string; line: number } | undefined;

  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (pending === undefined && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (pending !== undefined && trimmed.startsWith('#')) return;

    const continues = trimmed.endsWith('\\');
    const part = continues ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending === undefined ? { text: part, line: index + 1 } : { text: `${pending.text} ${part}`.trim(), line: pending.line };
    if (!continues) {
      logical.push(pending);
      pending = undefined;
    }
  });
  if (pending !== undefined) logical.push(pending);

  const stages: Stage[] = [];
  for (const { text: entry, line } of logical) {
    const match = /^(\S+)\s*(.*)$/.exec(entry);
    const keyword = (match?.[1] ?? '').toUpperCase();
    let rest = match?.[2] ?? '';

    const flags: Record<string, string> = {};
    for (let flag = /^--([a-z-]+)=(\S+)\s+/.exec(rest); flag !== null; flag = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
      flags[flag[1] as string] = flag[2] as string;
      rest = rest.slice(flag[0].length);
    }

    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (from === null) throw new Error(`Dockerfile line ${line}: cannot parse FROM ${rest}`);
      stages.push({ base: from[1] as string, name: from[2], instructions: [] });
      continue;
    }

    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`Dockerfile line ${line}: ${keyword} before the first FROM`);
    const instruction: Instruction = { keyword, args: rest, flags, line };
    if (rest.startsWith('[')) {
      instruction.exec = JSON.parse(rest) as string[];
    }
    stage.instructions.push(instruction);
  }
  return stages;
}

/** Splits the shell form of COPY (`src... dest`) into sources and destination. */
export function copyOperands(instruction: Instruction): { sources: string[]; destination: string } {
  const parts = instruction.exec ?? instruction.args.split(/\s+/).filter((part) => part !== '');
  if (parts.length < 2) throw new Error(`Dockerfile line ${instruction.line}: COPY needs a source and a destination`);
  return { sources: parts.slice(0, -1), destination: parts.at(-1) as string };
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index] as string;
    if (char === '*' && pattern[index + 1] === '*') {
      source += '.*';
      index += 1;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * A .dockerignore matcher with Docker's rules: patterns apply in order, `!` re-includes, the
 * last match wins, and a pattern that matches a folder matches everything under it.
 */
export class DockerIgnore {
  private readonly rules: { negated: boolean; pattern: RegExp }[];

  constructor(text: string) {
    this.rules = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const negated = line.startsWith('!');
        const cleaned = path.posix.normalize(negated ? line.slice(1).trim() : line).replace(/^\/+|\/+$/g, '');
        return { negated, pattern: globToRegExp(cleaned) };
      });
  }

  /** True when `relativePath` (posix, relative to the context) is left out of the context. */
  ignores(relativePath: string): boolean {
    const segments = relativePath.split('/');
    const candidates = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
    let ignored = false;
    for (const rule of this.rules) {
      if (candidates.some((candidate) => rule.pattern.test(candidate))) {
        ignored = !rule.negated;
      }
    }
    return ignored;
  }
}

export interface ReplayOptions {
  /** The build context: the folder `docker build` would send. */
  contextDir: string;
  /** Empty folder under which each stage gets its root folder. */
  workDir: string;
  /** Environment for RUN steps, before the stage's ENV instructions. */
  env: NodeJS.ProcessEnv;
  /** Called before each RUN step, for progress output. */
  onRun?: (stage: string, command: string) => void;
}

export interface ReplayedStage {
  name: string;
  /** Folder that is the stage's root filesystem. */
  root: string;
  /** The stage's WORKDIR, inside `root`. */
  workingDir: string;
  env: Record<string, string>;
  user: string | undefined;
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
}

function runShell(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`RUN ${command} failed with exit code ${code} in ${cwd}:\n${output.slice(-4000)}`));
    });
  });
}

/** Replays every stage in order and returns them; the last one is the image. */
export async function replayDockerfile(stages: Stage[], options: ReplayOptions): Promise<ReplayedStage[]> {
  const ignore = new DockerIgnore(existsSync(path.join(options.contextDir, '.dockerignore')) ? readFileSync(path.join(options.contextDir, '.dockerignore'), 'utf8') : '');
  const replayed: ReplayedStage[] = [];

  for (const [index, stage] of stages.entries()) {
    const name = stage.name ?? String(index);
    const root = path.join(options.workDir, `stage-${index}-${name}`);
    mkdirSync(root, { recursive: true });
    const state: ReplayedStage = { name, root, workingDir: '/', env: {}, user: undefined, entrypoint: undefined, cmd: undefined };
    const inRoot = (containerPath: string): string => path.join(root, path.posix.resolve(state.workingDir, containerPath));

    for (const instruction of stage.instructions) {
      switch (instruction.keyword) {
        case 'WORKDIR':
          state.workingDir = path.posix.resolve(state.workingDir, instruction.args);
          mkdirSync(inRoot('.'), { recursive: true });
          break;

        case 'ENV': {
          for (const pair of instruction.args.match(/\S+=("[^"]*"|\S*)/g) ?? []) {
            const [key, ...value] = pair.split('=');
            state.env[key as string] = value.join('=').replace(/^"|"$/g, '');
          }
          break;
        }

        case 'COPY': {
          const { sources, destination } = copyOperands(instruction);
          const fromStage = instruction.flags.from === undefined ? undefined : replayed.find((candidate) => candidate.name === instruction.flags.from);
          if (instruction.flags.from !== undefined && fromStage === undefined) {
            throw new Error(`Dockerfile line ${instruction.line}: COPY --from=${instruction.flags.from} names no earlier stage`);
          }

          const target = inRoot(destination);
          const intoFolder = destination.endsWith('/') || sources.length > 1;
          for (const source of sources) {
            const from = fromStage === undefined ? path.join(options.contextDir, source) : path.join(fromStage.root, path.posix.resolve(fromStage.workingDir, source));
            if (fromStage === undefined && ignore.ignores(path.posix.normalize(source))) {
              throw new Error(`Dockerfile line ${instruction.line}: COPY ${source} is excluded by .dockerignore`);
            }
            if (!existsSync(from)) {
              throw new Error(`Dockerfile line ${instruction.line}: COPY source ${source} does not exist (${from})`);
            }

            // A folder's contents go into the destination; a file goes into it when it is a folder.
            const isFolder = statSync(from).isDirectory();
            const to = !isFolder && intoFolder ? path.join(target, path.basename(source)) : target;
            mkdirSync(isFolder ? to : path.dirname(to), { recursive: true });
            cpSync(from, to, {
              recursive: true,
              filter: (file) => fromStage !== undefined || !ignore.ignores(path.relative(options.contextDir, file).split(path.sep).join('/') || '.'),
            });
          }
          break;
        }

        case 'RUN': {
          const command = instruction.exec === undefined ? instruction.args : instruction.exec.map((part) => `'${part.replaceAll("'", `'\\''`)}'`).join(' ');
          options.onRun?.(name, command);
          await runShell(command, inRoot('.'), { ...options.env, ...state.env });
          break;
        }

        case 'USER':
          state.user = instruction.args;
          break;
        case 'ENTRYPOINT':
          state.entrypoint = instruction.exec ?? ['/bin/sh', '-c', instruction.args];
          break;
        case 'CMD':
          state.cmd = instruction.exec ?? ['/bin/sh', '-c', instruction.args];
          break;
        case 'LABEL':
        case 'EXPOSE':
          break;

        default:
          throw new Error(`Dockerfile line ${instruction.line}: the replay does not support ${instruction.keyword}`);
      }
    }
    replayed.push(state);
  }
  return replayed;
}
