// `cdk synth` for the local AWS: the app in infra/ synthesized into a cloud assembly (template + the
// function bundles), cached by a hash of everything that goes into it, so test files share one synth.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod';
import { type Template, TemplateError, templateSchema } from './template.js';

const run = promisify(execFile);

/** What a deploy uploads: the template, and each function's bundle folder by its S3 object key. */
export interface CloudAssembly {
  readonly dir: string;
  readonly stackName: string;
  readonly template: Template;
  /** S3 object key of a file asset (`<hash>.zip`) → its folder and the construct path CDK gave it. */
  readonly assets: ReadonlyMap<string, { readonly dir: string; readonly displayName: string }>;
}

// Inputs of the synthesized app; node_modules is represented by the lock file. src/dev is the local AWS
// itself, which no function bundles.
// Of content/, only site.yaml shapes the stack (the rest is an asset the local AWS deploys from the folder).
const INPUTS = [
  'infra',
  'functions',
  'src',
  'content/site.yaml',
  'package-lock.json',
  'cdk.json',
  'tsconfig.json',
];
const NOT_INPUTS = ['src/dev/'];

async function filesUnder(root: string, path: string): Promise<string[]> {
  const full = join(root, path);
  if (!existsSync(full)) return [];
  const entries = await readdir(full, { recursive: true, withFileTypes: true }).catch(() => undefined);
  if (!entries) return [path];
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}

async function inputsHash(root: string): Promise<string> {
  const hash = createHash('sha256');
  const files = (await Promise.all(INPUTS.map((p) => filesUnder(root, p))))
    .flat()
    .filter((f) => !NOT_INPUTS.some((n) => f.split(sep).join('/').startsWith(n)))
    .sort();
  for (const file of files) {
    hash.update(file).update('\0');
    hash.update(await readFile(join(root, file))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const assetManifest = z.object({
  files: z.record(
    z.string(),
    z.object({
      displayName: z.string().optional(),
      source: z.object({ path: z.string().optional(), packaging: z.string().optional() }),
      destinations: z.record(z.string(), z.object({ objectKey: z.string() })),
    }),
  ),
});

const cdkJson = z.object({ context: z.record(z.string(), z.unknown()).optional() });

/**
 * Synthesizes the app (infra/app.ts in a child process, as `cdk synth` runs it) unless an assembly for
 * the same inputs exists. The cache sits under node_modules, so the bundles' `@aws-sdk/*` imports
 * resolve to the installed SDK, as Lambda's runtime provides it.
 */
export async function synthesize(
  root: string,
  options: { log?: (line: string) => void } = {},
): Promise<CloudAssembly> {
  const cacheRoot = join(root, 'node_modules', '.cache', 'broadsheet-local-aws');
  const dir = join(cacheRoot, await inputsHash(root));
  if (!existsSync(join(dir, 'manifest.json'))) {
    options.log?.('synthesizing the CDK app (cached after the first run)…');
    await mkdir(cacheRoot, { recursive: true });
    const staging = `${dir}.${process.pid}.${Date.now()}`;
    const context = cdkJson.parse(JSON.parse(await readFile(join(root, 'cdk.json'), 'utf8'))).context ?? {};
    try {
      await run(process.execPath, ['--import', 'tsx', join(root, 'infra/app.ts')], {
        cwd: root,
        env: {
          ...process.env,
          CDK_OUTDIR: staging,
          CDK_CONTEXT_JSON: JSON.stringify(context),
          CDK_DISABLE_CLI_TELEMETRY: '1',
          CDK_DISABLE_VERSION_CHECK: '1',
        },
        maxBuffer: 32 * 1024 * 1024,
      });
      // Another process may have finished the same synth first; either copy is the same.
      await rename(staging, dir).catch(async () => rm(staging, { recursive: true, force: true }));
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      const e = error as { stderr?: string; message?: string };
      throw new TemplateError(`synthesizing infra/app.ts failed: ${e.stderr?.trim() || e.message}`);
    }
  }
  return readAssembly(dir);
}

export async function readAssembly(dir: string): Promise<CloudAssembly> {
  const names = await readdir(dir);
  const templateFile = names.find((n) => n.endsWith('.template.json'));
  if (!templateFile) throw new TemplateError(`${dir} has no *.template.json`);
  const stackName = templateFile.slice(0, -'.template.json'.length);
  const template = templateSchema.parse(JSON.parse(await readFile(join(dir, templateFile), 'utf8')));
  const assets = new Map<string, { dir: string; displayName: string }>();
  const manifestFile = join(dir, `${stackName}.assets.json`);
  if (existsSync(manifestFile)) {
    const manifest = assetManifest.parse(JSON.parse(await readFile(manifestFile, 'utf8')));
    for (const [hash, file] of Object.entries(manifest.files)) {
      for (const destination of Object.values(file.destinations)) {
        assets.set(destination.objectKey, {
          dir: join(dir, file.source.path ?? `asset.${hash}`),
          displayName: file.displayName ?? hash,
        });
      }
    }
  }
  return { dir, stackName, template, assets };
}
