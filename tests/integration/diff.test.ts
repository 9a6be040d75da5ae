import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { broadsheet, committedRepo, scratchProject } from '../helpers/cli.js';

const NOW = '2026-11-25T12:00:00Z';

describe('broadsheet diff', () => {
  it('shows what merging a change would do to the feeds and the inbox, and refuses moved ids', async () => {
    const dir = await scratchProject();
    const git = committedRepo(dir);

    const posts = join(dir, 'content/posts');
    await writeFile(
      join(posts, '2026-11-24-new.md'),
      '---\ntitle: Brand new\ndate: 2026-11-24\nsummary: Fresh.\n---\nNew text.\n',
    );
    await writeFile(
      join(posts, '2026-10-01-backdated.md'),
      '---\ntitle: Backdated\ndate: 2026-10-01\nsummary: Old.\n---\nFrom the archive.\n',
    );
    const edited = join(posts, '2026-10-02-one-email-per-batch.md');
    await writeFile(edited, `${await readFile(edited, 'utf8')}\nOne more paragraph.\n`);
    await rm(join(posts, '2026-11-03-cafe-typography.md'));
    const moved = join(posts, '2026-09-14-why-plain-text.md');
    const original = await readFile(moved, 'utf8');
    await writeFile(
      moved,
      original.replace('tags: [publishing, markdown]', 'tags: [publishing, markdown]\nslug: plain'),
    );
    git('add', '.');
    git('commit', '-q', '-m', 'change');

    const refused = await broadsheet(dir, 'diff', 'HEAD~1', '--now', NOW, '--diff-out', 'out');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /Published ids that would change \(errors\)[\s\S]*2026-09-14-why-plain-text\.md/,
    );

    await writeFile(
      moved,
      original.replace(
        'tags: [publishing, markdown]',
        'tags: [publishing, markdown]\nslug: plain\naliases: [/posts/why-plain-text/]',
      ),
    );
    const run = await broadsheet(dir, 'diff', 'HEAD~1', '--now', NOW, '--diff-out', 'out');
    expect(run.code).toBe(0);
    const summary = await readFile(join(dir, 'out/summary.md'), 'utf8');
    // The slug edit, declared with `aliases`, is a move like a rename: not added, not removed.
    expect(summary).toContain('**Feed items added** (2)');
    expect(summary).toContain('[Brand new](https://gazette.example.com/posts/new/)');
    expect(summary).toContain('**Moved** (1)');
    expect(summary).toContain(
      '- https://gazette.example.com/posts/why-plain-text/ → https://gazette.example.com/posts/plain/',
    );
    expect(summary).toContain('**Feed items changed** (1)');
    expect(summary).toContain(
      '[One email per batch, never two](https://gazette.example.com/posts/one-email-per-batch/)',
    );
    expect(summary).toContain('**Feed items removed** (1)');
    expect(summary).toContain('**Published ids**: none would change.');
    expect(summary).toContain('**Digest**: “Brand new · The Broadsheet Gazette”');
    expect(summary).toContain(
      'Past the announce window (dated more than 7 days ago), recorded as announced without mail: "Backdated"',
    );
    expect(await readFile(join(dir, 'out/digest.txt'), 'utf8')).toContain(
      'https://gazette.example.com/posts/new/',
    );
    expect(await readFile(join(dir, 'out/digest.html'), 'utf8')).toContain('Brand new');
    // Where the files went, on stderr: stdout is the summary alone, for a pull request's comment.
    expect(run.stderr).toMatch(/Written to (?:\S+\/)?out\/: summary\.md, digest\.html and digest\.txt/);
    expect(run.stdout.trim()).toBe(summary.trim());
  });

  it('shows a renamed article as moved, not as one added and one removed, and no digest for it', async () => {
    const dir = await scratchProject();
    const git = committedRepo(dir);
    git('mv', 'content/posts/2026-11-03-cafe-typography.md', 'content/posts/2026-11-03-cafe.md');
    git('commit', '-q', '-m', 'rename');
    const run = await broadsheet(dir, 'diff', 'HEAD~1', '--now', NOW, '--diff-out', 'out');
    const summary = await readFile(join(dir, 'out/summary.md'), 'utf8');
    expect(summary).toContain('**Moved** (1): not mailed again');
    expect(summary).toContain(
      '- https://gazette.example.com/posts/cafe-typography/ → https://gazette.example.com/posts/cafe/',
    );
    expect(summary).toContain('**Feed items added** (0)');
    expect(summary).toContain('**Feed items removed** (0)');
    expect(summary).toContain('**Digest**: none would be sent.');
    expect(run.stdout.trim()).toBe(summary.trim());
  });

  it('shows an article renamed and retitled in one commit as moved, its body unchanged', async () => {
    const dir = await scratchProject();
    const git = committedRepo(dir);
    const from = join(dir, 'content/posts/2026-11-03-cafe-typography.md');
    const text = await readFile(from, 'utf8');
    await rm(from);
    await writeFile(
      join(dir, 'content/posts/2026-11-03-cafe.md'),
      text.replace(/^title: .*$/m, 'title: Type on the café menu'),
    );
    git('add', '-A');
    git('commit', '-q', '-m', 'rename and retitle');
    const run = await broadsheet(dir, 'diff', 'HEAD~1', '--now', NOW, '--diff-out', 'out');
    expect(run.stdout).toContain(
      '- https://gazette.example.com/posts/cafe-typography/ → https://gazette.example.com/posts/cafe/',
    );
    expect(run.stdout).toContain('**Digest**: none would be sent.');
  });

  it('names an unknown ref instead of failing with a stack trace, and treats content added since the ref as new', async () => {
    const dir = await scratchProject();
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.org', ...args], {
        cwd: dir,
      });
    const outside = await broadsheet(dir, 'diff', 'HEAD', '--now', NOW);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('is not inside a git repository');

    git('init', '-q', '-b', 'main');
    await writeFile(join(dir, 'README.txt'), 'Before the content was added.\n');
    git('add', 'README.txt');
    git('commit', '-q', '-m', 'empty');
    git('add', '.');
    git('commit', '-q', '-m', 'content');

    const unknown = await broadsheet(dir, 'diff', 'no-such-branch', '--now', NOW);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"no-such-branch" is not a commit git knows here');
    expect(unknown.stderr).not.toMatch(/\n\s+at /);

    const first = await broadsheet(dir, 'diff', 'HEAD~1', '--now', NOW, '--out', 'out');
    // Nothing but where the files went: no warning, no trace.
    expect(first.stderr).toMatch(/^Written to out\/: summary\.md[^\n]*\n$/);
    expect(first.code).toBe(0);
    const summary = await readFile(join(dir, 'out/summary.md'), 'utf8');
    expect(summary).toMatch(/^_content\/ did not exist at HEAD~1: every article counts as added\._\n\n/);
    expect(first.stdout).toBe(`${summary}\n`);
    expect(summary).toMatch(/\*\*Feed items added\*\* \([1-9]/);
    expect(summary).not.toMatch(/\*\*Feed items removed\*\* \([1-9]/);
  });

  it('reads the ref with its own site.yaml, and shows the digest as the build would send it', async () => {
    const dir = await scratchProject();
    committedRepo(dir);
    const siteYaml = join(dir, 'content/site.yaml');
    const yaml = await readFile(siteYaml, 'utf8');
    // A new address moves every published id: diff must say so, as check does.
    await writeFile(siteYaml, yaml.replace('https://gazette.example.com', 'https://news.example.org'));
    const moved = await broadsheet(dir, 'diff', 'HEAD', '--now', NOW, '--out', 'out');
    expect(moved.code).toBe(1);
    expect(await readFile(join(dir, 'out/summary.md'), 'utf8')).not.toContain(
      '**Published ids**: none would change',
    );

    // Full text: the digest shows the body, as build and send-test send it, not the summary.
    await writeFile(siteYaml, `${yaml}\ndigest:\n  content: full\n`);
    await writeFile(
      join(dir, 'content/posts/2026-11-24-new.md'),
      '---\ntitle: Brand new\ndate: 2026-11-24\nsummary: The summary.\n---\nThe whole body, in full.\n',
    );
    const full = await broadsheet(dir, 'diff', 'HEAD', '--now', NOW, '--out', 'out2');
    expect(full.code).toBe(0);
    expect(await readFile(join(dir, 'out2/digest.txt'), 'utf8')).toContain('The whole body, in full.');
    expect(await readFile(join(dir, 'out2/digest.html'), 'utf8')).toContain('The whole body, in full.');
  });
});
