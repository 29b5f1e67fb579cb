/**
 * Finds kubectl for the sandbox's printed commands: on PATH, else in KUBEBUILDER_ASSETS or the
 * project's tool cache. The sandbox never builds kubectl.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { cacheDir, readPinnedVersions } from '../controlplane/tools.ts';

export interface KubectlLocation {
  onPath: boolean;
  /** Folder that contains a kubectl binary when it is not on PATH; undefined when none was found. */
  dir: string | undefined;
}

export function findKubectl(env: NodeJS.ProcessEnv): KubectlLocation {
  const pathDirs = (env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  if (pathDirs.some((dir) => existsSync(path.join(dir, 'kubectl')))) {
    return { onPath: true, dir: undefined };
  }

  const candidates = [
    env.KUBEBUILDER_ASSETS,
    path.join(cacheDir(), 'bin', `kubectl-${readPinnedVersions().kubernetes}`),
  ].filter((dir): dir is string => dir !== undefined && dir !== '');
  return { onPath: false, dir: candidates.find((dir) => existsSync(path.join(dir, 'kubectl'))) };
}
