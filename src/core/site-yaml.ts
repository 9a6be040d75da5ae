import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { ConfigError } from './errors.js';
import { byLine, parseSiteConfig, type SiteConfig } from './site.js';

/** site.yaml's text → a validated SiteConfig; `source` names the file, and each problem its line. */
export function parseSiteYaml(text: string, source: string): SiteConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    // Every key given twice, and the first other error (the rest often follow from it).
    const other = doc.errors.find((e) => e.code !== 'DUPLICATE_KEY');
    throw new ConfigError(
      source,
      [
        ...(doc.errors.some((e) => e.code === 'DUPLICATE_KEY') ? duplicateKeyProblems(text, lineAt) : []),
        ...(other ? [`line ${lineAt(other.pos[0])}: invalid YAML: ${other.message.split('\n')[0]}`] : []),
      ].sort(byLine),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    throw new ConfigError(source, [`invalid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  // A field is at the line of its key; a missing one at the line of the mapping that should hold it (none
  // at the top level).
  const lineOf = (path: readonly PropertyKey[]) => {
    for (let depth = path.length; depth > 0; depth--) {
      const at = keyOffset(doc, path.slice(0, depth));
      if (at !== undefined) return lineAt(at);
    }
    return undefined;
  };
  return parseSiteConfig(data, source, lineOf);
}

/** Where the key of the field at `path` starts, or where its value does when the parent is not a mapping. */
function keyOffset(doc: Document, path: readonly PropertyKey[]): number | undefined {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1) as unknown[], true);
  const last = path[path.length - 1];
  if (isMap(parent)) {
    // By text: `1:` in YAML is the number 1, named "1" in the path.
    const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === String(last));
    if (pair && isScalar(pair.key) && pair.key.range) return pair.key.range[0];
  }
  const node = doc.getIn(path as unknown[], true) as { range?: [number] } | undefined;
  return node?.range?.[0];
}

/** Each key given twice in one mapping, at its second line, with the first (YAML keeps neither silently). */
function duplicateKeyProblems(text: string, lineAt: (offset: number) => number): string[] {
  const problems: string[] = [];
  visit(parseDocument(text, { uniqueKeys: false }), {
    Map(_, map, ancestors) {
      // A key's path: the keys of the pairs above it, and the index of each list item it is in.
      const names = ancestors.flatMap((node, i) => {
        if (isPair(node) && isScalar(node.key)) return [String(node.key.value)];
        if (!isSeq(node)) return [];
        return [String(node.items.indexOf((ancestors[i + 1] ?? map) as (typeof node.items)[number]))];
      });
      const first = new Map<unknown, number>();
      for (const { key } of map.items) {
        if (!isScalar(key) || !key.range) continue;
        const seen = first.get(key.value);
        if (seen === undefined) first.set(key.value, key.range[0]);
        else
          problems.push(
            `line ${lineAt(key.range[0])}: ${[...names, String(key.value)].join('.')} is given twice (first on line ${lineAt(seen)}); keep one`,
          );
      }
    },
  });
  return problems;
}
