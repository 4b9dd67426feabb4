import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { TraceItem } from './trace-item.js';

const SUITE_KEYS = new Set(['cases', 'name', 'description']);

/**
 * The cases of a YAML suite (a list of cases, or `{ cases: [...] }` with an optional name and
 * description), each with the line it starts on. A case that is not a mapping is reported; a
 * file that is not valid YAML, or not shaped like a suite, throws. JSON is YAML, so a JSON array
 * of cases reads the same way.
 */
export function readYamlItems(text: string): TraceItem[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const error = document.errors[0];
  if (error) throw new Error(`invalid YAML: ${error.message}`);

  let cases: unknown = document.contents;
  if (isMap(document.contents)) {
    for (const pair of document.contents.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!SUITE_KEYS.has(key)) {
        throw new Error(`unknown top-level field "${key}" (a suite has cases, name, description)`);
      }
    }
    cases = document.contents.get('cases', true);
  }
  if (!isSeq(cases)) {
    throw new Error('expected a list of cases, or a mapping with a "cases" list');
  }

  const values = (cases.toJS(document, { maxAliasCount: 1_000 }) as unknown[]) ?? [];
  return cases.items.map((node, index): TraceItem => {
    const offset = (node as Node | null)?.range?.[0] ?? 0;
    const line = lineCounter.linePos(offset).line;
    const value = values[index];
    if (!isMap(node)) {
      return { line, reason: 'expected a mapping (a case with prompt or messages)' };
    }
    return { line, value };
  });
}
