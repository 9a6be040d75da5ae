// Issue 17, item 2 locally: with `digest.content: full`, a digest that would pass Gmail's clip is shortened
// from the oldest article, and the build, the outbox folder and send-test say which.
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { broadsheet, scratchProject } from '../helpers/cli.js';

const NOW = '2026-11-25T12:00:00Z';
const long = (title: string, date: string) =>
  `---\ntitle: ${title}\ndate: ${date}\nsummary: Summary of ${title}.\n---\n${'Words upon words, at length. '.repeat(2500)}\n`;

describe('full-text digests, locally', () => {
  it('says which articles were shortened, in the build, the outbox and send-test', async () => {
    const dir = await scratchProject();
    await appendFile(join(dir, 'content/site.yaml'), 'digest:\n  content: full\n');
    expect((await broadsheet(dir, 'build', '--now', NOW)).code).toBe(0);
    const before = await readdir(join(dir, 'outbox'));
    await writeFile(join(dir, 'content/posts/2026-11-21-older.md'), long('Older', '2026-11-21T10:00:00Z'));
    await writeFile(join(dir, 'content/posts/2026-11-22-newer.md'), long('Newer', '2026-11-22T10:00:00Z'));
    const note =
      'Full text would pass Gmail\'s 102 KB clip: 1 article shortened to summary and link, oldest first: "Older"';

    const test = await broadsheet(dir, 'send-test', '--to', 'me@example.org', '--now', NOW);
    expect(test.code).toBe(0);
    expect(test.stdout).toContain(note);

    const built = await broadsheet(dir, 'build', '--now', NOW);
    expect(built.stdout).toContain(`  ${note}`);
    const [folder = ''] = (await readdir(join(dir, 'outbox'))).filter(
      (f) => !before.includes(f) && !f.startsWith('test-'),
    );
    expect(await readFile(join(dir, 'outbox', folder, 'notes.txt'), 'utf8')).toBe(`${note}\n`);
    const preview = await readFile(join(dir, 'outbox', folder, 'preview.html'), 'utf8');
    expect(preview).toContain('Summary of Older.');
    expect(preview).toContain('Words upon words, at length.');
    expect(Buffer.byteLength(preview)).toBeLessThan(102 * 1024);
  }, 60_000);
});
