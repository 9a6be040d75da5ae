// CDK BucketDeployments from the template, done from a local folder: which part of the content folder
// goes to which bucket and prefix, with the deployment's exclude patterns and prune rule. The template
// names only an asset (a copy of a folder at synth time), so each asset is matched to the subfolder of the
// repository's content/ it was made from; `npm run dev -- --content <dir>` then deploys the same subfolder
// of another folder.
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { CloudAssembly } from './synth.js';
import { props, type Resolver, resourcesOfType } from './template.js';

export interface FolderDeployment {
  /** Subfolder of the content folder ('' for the folder itself), with '/' separators. */
  readonly subdir: string;
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly exclude: readonly string[];
  readonly prune: boolean;
}

async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

/** The AWS CLI's `s3 sync --exclude` patterns: `*` and `?` match across '/'. */
export function excluded(patterns: readonly string[], path: string): boolean {
  return patterns.some((p) =>
    new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*+/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test(path),
  );
}

/** A file a deployment writes from its own asset rather than from content/ (CDK's Source.data). */
export interface DataFile {
  readonly bucket: string;
  readonly key: string;
  /** The file in the synthesized asset. */
  readonly file: string;
}

export async function folderDeployments(
  assembly: CloudAssembly,
  resolver: Resolver,
  repoContent: string,
): Promise<FolderDeployment[]> {
  return (await contentDeployments(assembly, resolver, repoContent)).folders;
}

/** The template's BucketDeployments: folders of content/ and the data files written beside them. */
export async function contentDeployments(
  assembly: CloudAssembly,
  resolver: Resolver,
  repoContent: string,
): Promise<{ folders: FolderDeployment[]; data: DataFile[] }> {
  const repoFiles = new Set(await filesIn(repoContent));
  const out: FolderDeployment[] = [];
  const data: DataFile[] = [];
  for (const [id, resource] of resourcesOfType(assembly.template, 'Custom::CDKBucketDeployment')) {
    const p = props(resource);
    const keys = (resolver.resolve(p.SourceObjectKeys) as string[] | undefined) ?? [];
    const bucket = resolver.string(p.DestinationBucketName, `${id}.DestinationBucketName`);
    const keyPrefix = p.DestinationBucketKeyPrefix
      ? resolver.string(p.DestinationBucketKeyPrefix, `${id}.DestinationBucketKeyPrefix`)
      : '';
    const exclude = (p.Exclude as string[] | undefined) ?? [];
    for (const key of keys) {
      const asset = assembly.assets.get(key);
      if (!asset) continue;
      const files = await filesIn(asset.dir);
      // The subfolder of content/ whose files these are: '' or the first folder that holds them all.
      const folders = [...repoFiles].flatMap((f) =>
        f
          .split('/')
          .slice(0, -1)
          .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
      );
      const candidates = ['', ...new Set(folders)];
      // (The asset may predate later edits, so the folder that holds most of them wins.)
      const found = (dir: string) => files.filter((f) => repoFiles.has(dir ? `${dir}/${f}` : f)).length;
      const subdir = candidates.reduce((best, dir) => (found(dir) > found(best) ? dir : best), '');
      if (files.length > 0 && found(subdir) === 0) {
        // Not a copy of content/: a file the deployment writes itself (Source.data: release.json, site.json).
        for (const file of files)
          if (!excluded(exclude, file))
            data.push({ bucket, key: `${keyPrefix}${file}`, file: join(asset.dir, file) });
        continue;
      }
      out.push({ subdir, bucket, keyPrefix, exclude, prune: p.Prune !== false && p.Prune !== 'false' });
    }
  }
  // Deepest first: a file goes to the deployment of the most specific folder that includes it.
  return { folders: out.sort((a, b) => b.subdir.length - a.subdir.length), data };
}

/** Where a content file goes: the bucket and key of the deployment that takes it, if any. */
export function destinationOf(
  deployments: readonly FolderDeployment[],
  path: string,
): { bucket: string; key: string } | undefined {
  for (const d of deployments) {
    const inside =
      d.subdir === '' ? path : path.startsWith(`${d.subdir}/`) ? path.slice(d.subdir.length + 1) : undefined;
    if (inside === undefined || excluded(d.exclude, inside)) continue;
    return { bucket: d.bucket, key: `${d.keyPrefix}${inside}` };
  }
  return undefined;
}
