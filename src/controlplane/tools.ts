/**
 * The Go-built tools the local control plane and the tests need: etcd, kube-apiserver, kubectl,
 * helm and promtool.
 *
 * Each tool comes from `KUBEBUILDER_ASSETS` when that folder has it (controller-runtime envtest's
 * convention), or from the cache folder, or is built once from Go modules with the machine's Go
 * toolchain. The module versions are pinned in `tools/go/versions.json`, and each tool's folder
 * under `tools/go/` contains a go.mod and go.sum that require exactly that version.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

import type { Logger } from '../log.ts';

export type ToolName = 'etcd' | 'kube-apiserver' | 'kubectl' | 'helm' | 'promtool';

export interface PinnedVersions {
  kubernetes: string;
  etcd: string;
  helm: string;
  prometheus: string;
}

interface ToolSpec {
  /** Folder under `tools/go/` whose go.mod pins the module. */
  moduleDir: string;
  /** Go package to build, relative to `moduleDir` when it starts with `./`. */
  goPackage: string;
  version: (versions: PinnedVersions) => string;
  /** `-X` settings that give the binary the version string its official release build has. */
  ldflags: (versions: PinnedVersions) => string[];
}

/** The package root: two levels above this file in both `src/controlplane/` and `dist/controlplane/`. */
export const packageRoot = path.resolve(import.meta.dirname, '..', '..');

const goToolsDir = path.join(packageRoot, 'tools', 'go');

function kubernetesLdflags(versions: PinnedVersions): string[] {
  const version = versions.kubernetes;
  const [major, minor] = version.replace(/^v/, '').split('.');
  const settings: string[] = [];

  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    settings.push(`${pkg}.gitVersion=${version}`, `${pkg}.gitMajor=${major}`, `${pkg}.gitMinor=${minor}`, `${pkg}.gitTreeState=clean`);
  }
  return settings;
}

/**
 * Converts a Go module version of github.com/prometheus/prometheus to the release it carries:
 * the project tags release 3.16.0 as module version v0.316.0.
 */
export function prometheusReleaseVersion(moduleVersion: string): string {
  const match = /^v0\.(\d)(\d\d)\.(\d+)$/.exec(moduleVersion);
  if (match === null) {
    return moduleVersion.replace(/^v/, '');
  }
  return `${match[1]}.${Number(match[2])}.${match[3]}`;
}

const specs: Record<ToolName, ToolSpec> = {
  etcd: {
    moduleDir: 'etcd',
    goPackage: './cmd/etcd',
    version: (versions) => versions.etcd,
    ldflags: () => [],
  },
  'kube-apiserver': {
    moduleDir: 'kube',
    goPackage: 'k8s.io/kubernetes/cmd/kube-apiserver',
    version: (versions) => versions.kubernetes,
    ldflags: kubernetesLdflags,
  },
  kubectl: {
    moduleDir: 'kube',
    goPackage: 'k8s.io/kubernetes/cmd/kubectl',
    version: (versions) => versions.kubernetes,
    ldflags: kubernetesLdflags,
  },
  helm: {
    moduleDir: 'helm',
    goPackage: 'helm.sh/helm/v4/cmd/helm',
    version: (versions) => versions.helm,
    ldflags: (versions) => [`helm.sh/helm/v4/internal/version.version=${versions.helm}`, 'helm.sh/helm/v4/internal/version.gitTreeState=clean'],
  },
  promtool: {
    moduleDir: 'promtool',
    goPackage: 'github.com/prometheus/prometheus/cmd/promtool',
    version: (versions) => prometheusReleaseVersion(versions.prometheus),
    ldflags: (versions) => [`github.com/prometheus/common/version.Version=${prometheusReleaseVersion(versions.prometheus)}`],
  },
};

export function readPinnedVersions(): PinnedVersions {
  const file = path.join(goToolsDir, 'versions.json');
  return JSON.parse(readFileSync(file, 'utf8')) as PinnedVersions;
}

/** Returns the cache folder for built tools: `VOBIZ_OPERATOR_CACHE_DIR`, or `.cache/` in the package root. */
export function cacheDir(): string {
  return process.env.VOBIZ_OPERATOR_CACHE_DIR ?? path.join(packageRoot, '.cache');
}

export interface ResolvedTool {
  name: ToolName;
  path: string;
  version: string;
  /** Origin of the binary: `built` means this call compiled it. */
  source: 'kubebuilder-assets' | 'cache' | 'built';
}

export interface EnsureToolOptions {
  logger?: Logger;
  /** Kills a running `go build` and rejects when aborted. */
  signal?: AbortSignal;
}

/**
 * Returns the path of a tool's binary, building it from Go modules on first use.
 *
 * Concurrent callers may build the same tool at once; each builds into its own temporary file
 * and renames it into place, so a reader never sees a half-written binary.
 */
export async function ensureTool(name: ToolName, options: EnsureToolOptions = {}): Promise<ResolvedTool> {
  const versions = readPinnedVersions();
  const spec = specs[name];
  const version = spec.version(versions);
  const log = options.logger;

  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets !== undefined && assets !== '') {
    const candidate = path.join(assets, name);
    if (existsSync(candidate)) {
      log?.info({ tool: name, path: candidate }, `using ${name} from KUBEBUILDER_ASSETS`);
      return { name, path: candidate, version, source: 'kubebuilder-assets' };
    }
  }

  const target = path.join(cacheDir(), 'bin', `${name}-${version}`, name);
  if (existsSync(target)) {
    log?.info({ tool: name, version, path: target }, `reusing cached ${name} ${version} (no rebuild)`);
    return { name, path: target, version, source: 'cache' };
  }

  options.signal?.throwIfAborted();
  await buildTool(name, spec, versions, target, log, options.signal);
  return { name, path: target, version, source: 'built' };
}

async function buildTool(name: ToolName, spec: ToolSpec, versions: PinnedVersions, target: string, log: Logger | undefined, signal: AbortSignal | undefined): Promise<void> {
  const version = spec.version(versions);
  const moduleDir = path.join(goToolsDir, spec.moduleDir);
  const temporary = `${target}.tmp-${process.pid}`;
  mkdirSync(path.dirname(target), { recursive: true });

  const ldflags = spec.ldflags(versions).map((setting) => `-X ${setting}`).join(' ');
  const args = ['build', '-trimpath', '-v', '-ldflags', ldflags, '-o', temporary, spec.goPackage];

  log?.info({ tool: name, version, moduleDir }, `building ${name} ${version} from Go modules (first run only; the Go build cache makes later builds faster)`);
  const started = Date.now();

  // `go build -v` prints each package as it compiles; counting them gives a progress line
  // every 15 s without flooding the output.
  let compiledPackages = 0;
  const progress = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    log?.info({ tool: name, seconds, compiledPackages }, `still building ${name}: ${compiledPackages} packages compiled in ${seconds}s`);
  }, 15_000);

  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('go', args, {
        cwd: moduleDir,
        env: { ...process.env, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' },
        stdio: ['ignore', 'ignore', 'pipe'],
        ...(signal === undefined ? {} : { signal, killSignal: 'SIGKILL' as const }),
      });

      const errorLines: string[] = [];
      let partial = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (/^[\w.-]+(\/[\w.@~-]+)*$/.test(line)) {
            compiledPackages += 1;
          } else if (line.trim() !== '') {
            errorLines.push(line);
          }
        }
      });

      child.on('error', (error) => {
        if (signal?.aborted === true) {
          reject(signal.reason);
          return;
        }
        const cause = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the go command was not found on PATH' : error.message;
        reject(new Error(`failed to build ${name}: ${cause}. Install Go 1.26 or later, or set KUBEBUILDER_ASSETS to a folder that has ${name}.`));
      });
      child.on('exit', (code, signal) => {
        if (code === 0) {
          resolve();
          return;
        }
        const detail = errorLines.slice(-20).join('\n');
        reject(new Error(`"go build" of ${name} ${version} in ${moduleDir} failed (${signal ?? `exit code ${code}`}):\n${detail}`));
      });
    });
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  } finally {
    clearInterval(progress);
  }

  renameSync(temporary, target);
  const seconds = Math.round((Date.now() - started) / 1000);
  log?.info({ tool: name, version, seconds, path: target }, `built ${name} ${version} in ${seconds}s`);
}
