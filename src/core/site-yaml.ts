import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from './errors.js';
import { parseSiteConfig, type SiteConfig } from './site.js';

/** site.yaml's text → a validated SiteConfig; `source` names the file, and each problem its line. */
export function parseSiteYaml(text: string, source: string): SiteConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const [error] = doc.errors;
  if (error)
    throw new ConfigError(source, [
      `line ${lineCounter.linePos(error.pos[0]).line}: invalid YAML: ${error.message.split('\n')[0]}`,
    ]);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    throw new ConfigError(source, [`invalid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  // A field that is missing is put at the line of the mapping that should hold it (none at the top level).
  const lineOf = (path: readonly PropertyKey[]) => {
    for (let depth = path.length; depth > 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return parseSiteConfig(data, source, lineOf);
}
