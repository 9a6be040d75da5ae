// The layout rule newcomers rely on: adapters implement the ports in src/core and never reach into
// src/pipeline, so the pipeline can be read without knowing any adapter, and an adapter cannot grow rules.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

const adapters = join(repoRoot, 'src/adapters');
const pipeline = join(repoRoot, 'src/pipeline');

/** Every module specifier a TypeScript file imports or re-exports, static or dynamic. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1] ?? '');
  return found;
}

async function adapterImportsOfPipeline(): Promise<string[]> {
  const files = (await readdir(adapters, { recursive: true })).filter((f) => f.endsWith('.ts'));
  const offending: string[] = [];
  for (const file of files) {
    const path = join(adapters, file);
    for (const specifier of specifiers(await readFile(path, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(path), specifier);
      if (target === pipeline || target.startsWith(`${pipeline}${sep}`))
        offending.push(`src/adapters/${file.split(sep).join('/')} imports ${relative(repoRoot, target)}`);
    }
  }
  return offending.sort();
}

describe('source layout', () => {
  it('finds an import of src/pipeline in every form a module can write one', () => {
    const source = [
      "import type { A } from '../../pipeline/a.js';",
      "import {\n  B,\n  C,\n} from '../../pipeline/b.js';",
      "export { D } from '../../pipeline/d.js';",
      "import '../../pipeline/e.js';",
      "const f = await import('../../pipeline/f.js');",
    ].join('\n');
    expect(specifiers(source)).toEqual([
      '../../pipeline/a.js',
      '../../pipeline/b.js',
      '../../pipeline/d.js',
      '../../pipeline/e.js',
      '../../pipeline/f.js',
    ]);
  });

  it('has no adapter that imports src/pipeline', async () => {
    expect(await adapterImportsOfPipeline()).toEqual([]);
  });
});
