/**
 * Splits YAML text into its documents and parses each one with `loadAllYaml` from
 * `@kubernetes/client-node`, so that a broken document is reported with its line and the
 * others are still read.
 *
 * The split is on lines that start with the document marker `---`. YAML forbids such a line
 * inside any other construct (block scalars included), so the split never cuts a document.
 * Documents that hold only comments or blank lines are skipped, as kubectl skips them.
 */
import { loadAllYaml } from '@kubernetes/client-node';

/** One document of a YAML text: its parsed value, or why it could not be parsed. */
export type YamlDocument =
  | { line: number; value: Record<string, unknown> }
  | { line: number; error: string };

const DOCUMENT_MARKER = /^---(?:\s|$)/;
const BLANK_OR_COMMENT = /^\s*(?:#.*)?$/;
const MARKER_ONLY = /^(?:---|\.\.\.)\s*(?:#.*)?$/;

interface Chunk {
  /** 1-based line of the chunk's first line in the whole text. */
  line: number;
  text: string;
}

function splitAtMarkers(text: string): Chunk[] {
  const lines = text.split(/\r?\n/);
  const chunks: Chunk[] = [];
  let start = 0;

  for (let index = 1; index <= lines.length; index += 1) {
    if (index === lines.length || DOCUMENT_MARKER.test(lines[index] ?? '')) {
      chunks.push({ line: start + 1, text: lines.slice(start, index).join('\n') });
      start = index;
    }
  }
  return chunks;
}

function isEmptyDocument(text: string): boolean {
  return text.split('\n').every((line) => BLANK_OR_COMMENT.test(line) || MARKER_ONLY.test(line));
}

/** Returns the 1-based number of the chunk's first line with content, where a reader looks for the document. */
function firstContentLine(chunk: Chunk): number {
  const offset = chunk.text.split('\n').findIndex((line) => !BLANK_OR_COMMENT.test(line) && !MARKER_ONLY.test(line));
  return chunk.line + Math.max(0, offset);
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty document';
  if (Array.isArray(value)) return 'a YAML sequence';
  return `a ${typeof value}`;
}

/** Parses every document of `text`. Line numbers are 1-based and count from the start of `text`. */
export function parseYamlDocuments(text: string): YamlDocument[] {
  const documents: YamlDocument[] = [];

  for (const chunk of splitAtMarkers(text)) {
    if (isEmptyDocument(chunk.text)) continue;
    const line = firstContentLine(chunk);

    let values: unknown[];
    try {
      values = loadAllYaml(chunk.text);
    } catch (error) {
      if ((error as Error).name !== 'YAMLException') {
        // loadAllYaml reads `apiVersion` of each value and fails on a null document such as `--- ~`.
        documents.push({ line, error: 'expected a Kubernetes object (a YAML mapping), found an empty document' });
        continue;
      }
      // js-yaml's YAMLException carries a 0-based mark relative to the text it parsed.
      const mark = (error as { mark?: { line?: number } }).mark;
      const reason = (error as { reason?: string }).reason ?? (error as Error).message;
      const errorLine = mark?.line === undefined ? line : chunk.line + mark.line;
      documents.push({ line: errorLine, error: `invalid YAML: ${reason}` });
      continue;
    }

    for (const value of values) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        documents.push({ line, error: `expected a Kubernetes object (a YAML mapping), found ${describeValue(value)}` });
        continue;
      }
      documents.push({ line, value: value as Record<string, unknown> });
    }
  }
  return documents;
}
