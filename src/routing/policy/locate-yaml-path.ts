import {
  type Document,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
} from 'yaml';

/** A 1-based position in a source file. */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * Where a field path lives in a parsed YAML document. Scalars point at the value; mappings and
 * lists at the key that names them, which is where an author looks for "this block is wrong".
 * A path that runs off the document (a missing required field) points at the deepest key found.
 */
export function locateYamlPath(
  document: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  options?: { atKey?: boolean },
): SourcePosition {
  let node: unknown = document.contents;
  let keyNode: Node | null = null;
  let complete = true;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) {
        complete = false;
        break;
      }
      keyNode = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      keyNode = null;
      node = node.items[segment];
    } else {
      complete = false;
      break;
    }
  }
  const valueNode = node as Node | null | undefined;
  const preferKey =
    keyNode !== null &&
    (!complete || options?.atKey === true || !valueNode || isCollection(valueNode));
  const chosen = preferKey ? keyNode : valueNode;
  const offset = chosen?.range?.[0] ?? (document.contents as Node | null)?.range?.[0] ?? 0;
  const position = lineCounter.linePos(offset);
  return { line: position.line, column: position.col };
}

/** Render a path the way the policy reference writes it: `routes.fast.targets[1].timeouts`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else {
      const name = String(segment);
      if (/^[A-Za-z0-9_$-]+$/.test(name)) text += text === '' ? name : `.${name}`;
      else text += `[${JSON.stringify(name)}]`;
    }
  }
  return text;
}
