/**
 * Reads manifest files the way `kubectl apply -f` takes them: a file, a folder (its `.yaml`,
 * `.yml` and `.json` files in name order, not recursive), or `-` for standard input.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { parseYamlDocuments, type YamlDocument } from './documents.ts';

/** A parsed document with its location, `file:line`, for messages. */
export type SourcedDocument = YamlDocument & { source: string };

/** Thrown when a path given with `-f` cannot be read. */
export class ManifestPathError extends Error {
  readonly code = 'MANIFEST_PATH';
  readonly path: string;

  constructor(filePath: string, message: string) {
    super(message);
    this.name = 'ManifestPathError';
    this.path = filePath;
  }
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function filesOf(target: string): string[] {
  let stats;
  try {
    stats = statSync(target);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (error as Error).message;
    throw new ManifestPathError(target, `-f ${target}: ${reason}; give a manifest file, a folder of .yaml, .yml or .json files, or - for standard input`);
  }

  if (!stats.isDirectory()) {
    return [target];
  }
  const files = readdirSync(target, { withFileTypes: true })
    .filter((entry) => entry.isFile() && MANIFEST_EXTENSIONS.has(path.extname(entry.name).toLowerCase()))
    .map((entry) => path.join(target, entry.name))
    .sort();
  if (files.length === 0) {
    throw new ManifestPathError(target, `-f ${target}: the folder has no .yaml, .yml or .json files`);
  }
  return files;
}

function readText(file: string, readStdin: () => string): string {
  if (file === '-') {
    return readStdin();
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ManifestPathError(file, `-f ${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/**
 * Reads and parses every document of the given paths, in order. Throws `ManifestPathError` for a
 * path that does not exist or cannot be read; a document that does not parse is returned with
 * its error instead.
 */
export function readManifestFiles(paths: readonly string[], readStdin: () => string = () => readFileSync(0, 'utf8')): SourcedDocument[] {
  const documents: SourcedDocument[] = [];

  for (const target of paths) {
    const files = target === '-' ? ['-'] : filesOf(target);
    for (const file of files) {
      const label = file === '-' ? '<stdin>' : file;
      for (const document of parseYamlDocuments(readText(file, readStdin))) {
        documents.push({ ...document, source: `${label}:${document.line}` });
      }
    }
  }
  return documents;
}
