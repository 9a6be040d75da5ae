// Issue 16, item 4: the papercuts a new author found, each with the test that keeps it fixed.
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSiteConfig } from '../../src/adapters/fs/site-config.js';
import { parseArticle } from '../../src/core/article.js';
import { composeDigest, previewLinks } from '../../src/core/digest.js';
import { broadsheet, committedRepo, repoRoot, scratchProject } from '../helpers/cli.js';
import { article, testSite } from '../helpers/site.js';

const NOW = '2026-11-25T12:00:00Z';
const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('papercuts', () => {
  it('diff writes its report where --out says (--diff-out still works), and diff/ is ignored by git', async () => {
    const dir = await scratchProject();
    committedRepo(dir);
    await writeFile(
      join(dir, 'content/posts/2026-11-24-new.md'),
      '---\ntitle: Brand new\ndate: 2026-11-24T10:00:00Z\n---\nNew.\n',
    );

    expect((await broadsheet(dir, 'diff', 'HEAD', '--now', NOW, '--out', 'report')).code).toBe(0);
    expect((await readdir(join(dir, 'report'))).sort()).toEqual(['digest.html', 'digest.txt', 'summary.md']);
    expect((await broadsheet(dir, 'diff', 'HEAD', '--now', NOW, '--diff-out', 'older')).code).toBe(0);
    expect(await readdir(join(dir, 'older'))).toContain('summary.md');
    const both = await broadsheet(dir, 'diff', 'HEAD', '--now', NOW, '--out', 'a', '--diff-out', 'b');
    expect(both.code).toBe(64);
    expect(both.stderr).toMatch(/^diff takes --out or --diff-out \(the same option\), not both/);
    expect((await broadsheet(dir, 'diff', 'HEAD', '--now', NOW)).code).toBe(0);
    expect(await readdir(join(dir, 'diff'))).toContain('summary.md');
    // --out means the report only for diff: nothing was built into it, and no dist/ appeared.
    expect(await readdir(dir)).not.toContain('dist');

    const ignored = (await readFile(join(repoRoot, '.gitignore'), 'utf8')).split('\n');
    expect(ignored).toContain('diff/');
  });

  it('build says a warning shared by many articles three times and counts the rest; check says each', async () => {
    const dir = await scratchProject();
    const posts = join(dir, 'content/posts');
    for (let i = 1; i <= 7; i++)
      await writeFile(join(posts, `old-${i}.md`), `---\ntitle: Old ${i}\ndate: 2020-01-0${i}\n---\nText.\n`);
    await writeFile(
      join(posts, 'odd.md'),
      '---\ntitle: Odd\ndate: 2020-02-01T00:00:00Z\nmood: sunny\n---\nText.\n',
    );
    const warnings = (stderr: string) =>
      stderr
        .split('\n')
        .filter((l) => / warning in [^:]+: /.test(l) || / more with the same warning in /.test(l));

    const build = await broadsheet(dir, 'build', '--now', NOW);
    expect(build.code).toBe(0);
    const built = warnings(build.stderr);
    expect(built.filter((l) => l.includes('warning in date: has no time zone'))).toHaveLength(3);
    expect(built).toContain(
      '4 more with the same warning in date (has no time zone; read as Europe/Lisbon); broadsheet check lists every one',
    );
    expect(built.filter((l) => l.includes('mood'))).toHaveLength(1);

    const checked = await broadsheet(dir, 'check', '--now', NOW);
    expect(checked.code).toBe(0);
    expect(warnings(checked.stderr).filter((l) => l.includes('has no time zone'))).toHaveLength(7);
    expect(checked.stderr).not.toContain('more with the same warning');
  });

  it('check prints each warning once when it fails, and build prints the warnings check prints', async () => {
    const dir = await scratchProject();
    const posts = join(dir, 'content/posts');
    await writeFile(
      join(posts, 'floating.md'),
      '---\ntitle: Floating\ndate: 2026-11-01\nmood: sunny\n---\nText.\n',
    );

    const checked = await broadsheet(dir, 'check', '--now', NOW);
    expect(checked.code).toBe(0);
    const build = await broadsheet(dir, 'build', '--now', NOW);
    expect(build.code).toBe(0);
    const warnings = (stderr: string) =>
      stderr
        .split('\n')
        .filter((l) => / warning in [^:]+: /.test(l) || / more with the same warning in /.test(l));
    expect(warnings(checked.stderr)).toEqual([
      'posts/floating.md:3: warning in date: has no time zone; read as Europe/Lisbon (2026-11-01T00:00:00+00:00)',
      expect.stringMatching(/^posts\/floating\.md:4: warning in mood: unknown field/),
    ]);
    expect(warnings(build.stderr)).toEqual(warnings(checked.stderr));

    await writeFile(join(posts, 'broken.md'), '---\ntitle: Broken\ndate: 2026-02-30\n---\nText.\n');
    const failed = await broadsheet(dir, 'check', '--now', NOW);
    expect(failed.code).toBe(1);
    expect(occurrences(failed.stderr, 'warning in date: has no time zone')).toBe(1);
    expect(occurrences(failed.stderr, 'warning in mood')).toBe(1);
    expect(failed.stderr).toMatch(/posts\/broken\.md:3: error in date: "2026-02-30" is not a real date/);
    const failedBuild = await broadsheet(dir, 'build', '--now', NOW);
    expect(failedBuild.code).toBe(1);
    expect(occurrences(failedBuild.stderr, 'warning in mood')).toBe(1);
  });

  it('the shipped samples and the README example article give no "no time zone" warning', async () => {
    const dir = await scratchProject();
    for (const command of ['check', 'build']) {
      const run = await broadsheet(dir, command, '--now', NOW);
      expect(run.code).toBe(0);
      expect(run.stderr).not.toContain('no time zone');
    }
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    // A `text` fence: Biome formats `markdown` fences, and would put a blank line after the opening ---.
    const example = /```text\n(---\n[\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(example).toContain('title: One email per batch, never two');
    const parsed = parseArticle(
      { path: 'posts/example.md', bytes: new TextEncoder().encode(example) },
      await loadSiteConfig(join(repoRoot, 'content')),
    );
    expect(parsed.ok && parsed.warnings).toEqual([]);
  });

  it('an outbox that cannot be written is named, with what to do, and the next build mails what was not', async () => {
    const dir = await scratchProject();
    await writeFile(join(dir, 'outbox'), 'a file where the outbox folder goes');
    const failed = await broadsheet(dir, 'build', '--now', NOW);
    expect(failed.code).toBe(74);
    expect(failed.stderr).toMatch(/^Could not write or read .*outbox.*: ENOTDIR/);
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    await rm(join(dir, 'outbox'));
    const again = await broadsheet(dir, 'build', '--now', NOW);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Digest ".*" for 1 recipient written to/);
  });

  it('subscribers list says who receives the digest when there is no subscribers.json', async () => {
    const dir = await scratchProject();
    const list = await broadsheet(dir, 'subscribers', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toBe('');
    expect(list.stderr).toContain(
      'No subscribers yet (.broadsheet/subscribers.json does not exist): the digest goes to the site owner, editors@gazette.example.com (author.email, else sender.address, in site.yaml).',
    );
    await broadsheet(dir, 'subscribers', 'add', 'ana@example.org');
    const after = await broadsheet(dir, 'subscribers', 'list');
    expect(after.stdout).toBe('ana@example.org\tconfirmed\tinstant\n');
    expect(after.stderr).toBe('');
    // The file now exists, so the owner no longer receives it: with no one confirmed, say it reaches no one.
    await broadsheet(dir, 'subscribers', 'remove', 'ana@example.org');
    const nobody = await broadsheet(dir, 'subscribers', 'list');
    expect(nobody.stdout).toBe('ana@example.org\tunsubscribed\tinstant\n');
    expect(nobody.stderr).toBe(
      'No confirmed subscriber: the next digest reaches no one. The site owner receives it only while .broadsheet/subscribers.json does not exist.\n',
    );
  });

  it('the README keeps the aliases row in the front matter table', async () => {
    const lines = (await readFile(join(repoRoot, 'README.md'), 'utf8')).split('\n');
    const header = lines.findIndex((l) => l.startsWith('| field'));
    const end = lines.findIndex((l, i) => i > header && !l.startsWith('|'));
    const rows = lines.slice(header + 2, end).map((l) => /^\| `(\w+)`/.exec(l)?.[1]);
    expect(rows).toEqual([
      'title',
      'date',
      'updated',
      'summary',
      'tags',
      'draft',
      'author',
      'image',
      'slug',
      'aliases',
      'math',
    ]);
  });

  it('says which Node versions are supported, the same in package.json, the README and what the test runner needs', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const vite = JSON.parse(await readFile(join(repoRoot, 'node_modules/vite/package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toBe('^20.19.0 || >=22.12.0');
    expect(vite.engines.node).toBe(pkg.engines.node);
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain('`^20.19.0 || >=22.12.0`');
    expect(readme).toContain('with Node.js 22.12 or newer');
    expect(readme).not.toContain('Node.js 20 or newer');
  });

  it('keeps a long title whole in the digest heading and short in its "Read" link', () => {
    const title =
      'Eine ausführliche Betrachtung der Zustellbarkeit von Newslettern im deutschsprachigen Raum unter Berücksichtigung aller Anbieter und Regeln';
    const digest = composeDigest(
      {
        id: 'x',
        articles: [article({ title: JSON.stringify(title), date: '2026-11-20T09:00:00Z', slug: 'lang' })],
      },
      testSite,
    );
    const html = digest.html(previewLinks(testSite));
    expect(html).toContain(`>${title}</a></h2>`);
    const read = />Read “([^”]*)”<\/a>/.exec(html)?.[1] ?? '';
    expect(read.length).toBeLessThanOrEqual(48);
    expect(read).toBe('Eine ausführliche Betrachtung der…');
  });

  it('says a symbolic link in posts/ is not read, and a nav page that fails is told once, as itself', async () => {
    const dir = await scratchProject();
    await writeFile(
      join(dir, 'elsewhere.md'),
      '---\ntitle: Elsewhere\ndate: 2026-11-20T10:00:00Z\n---\nText.\n',
    );
    await symlink(join(dir, 'elsewhere.md'), join(dir, 'content/posts/linked.md'));
    const linked = await broadsheet(dir, 'check', '--now', NOW);
    expect(linked.stderr).toContain('posts/linked.md: warning in file: is not read: it is a symbolic link');
    await rm(join(dir, 'content/posts/linked.md'));
    // Nor is a link in static/ copied, or a folder named like an article read: each is said.
    await symlink(join(dir, 'elsewhere.md'), join(dir, 'content/static/linked.txt'));
    await mkdir(join(dir, 'content/pages/folder.md'));
    const said = await broadsheet(dir, 'check', '--now', NOW);
    expect(said.stderr).toContain('static/linked.txt: warning in file: is not copied: it is a symbolic link');
    expect(said.stderr).toContain(
      'pages/folder.md: warning in file: is not read: it is a folder, not a file',
    );
    await rm(join(dir, 'content/static/linked.txt'));
    await rm(join(dir, 'content/pages/folder.md'), { recursive: true });

    const about = join(dir, 'content/pages/about.md');
    await writeFile(about, (await readFile(about, 'utf8')).replace(/^title: .*$/m, 'title:'));
    const broken = await broadsheet(dir, 'check', '--now', NOW);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('pages/about.md:2: error in title: is required');
    expect(broken.stderr).not.toContain('there is no pages/about.md');
  });

  it('refuses --out inside --content, which the next build would read back as content', async () => {
    const dir = await scratchProject();
    for (const out of ['content', 'content/static']) {
      const run = await broadsheet(dir, 'build', '--out', out, '--now', NOW);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${out} is inside --content content`);
    }
    // Nor through a link to content/.
    await symlink(join(dir, 'content'), join(dir, 'linked'));
    const linked = await broadsheet(dir, 'build', '--out', 'linked/dist', '--now', NOW);
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain('linked/dist is inside --content content');
    expect(await readdir(join(dir, 'content'))).not.toContain('index.html');
    expect(await readdir(join(dir, 'content'))).not.toContain('dist');
  });

  it('answers --version, and an unknown option with one line and the usage, not a stack trace', async () => {
    const dir = await scratchProject();
    const version = await broadsheet(dir, '--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);

    const unknown = await broadsheet(dir, 'build', '--bogus');
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toBe(
      'broadsheet: unknown option --bogus. broadsheet build --help lists the options.\n',
    );
    // A command without what it needs is a usage error, as a wrong option is: 64, and what to give.
    for (const [args, said] of [
      [['send-test'], 'send-test needs --to: broadsheet send-test --to you@example.org\n'],
      [['diff'], 'diff needs the git ref to compare with: broadsheet diff origin/main\n'],
      [['subscribers', 'import'], /^subscribers import needs the CSV file\(s\): /],
      [['subscribers', 'remove'], /^subscribers remove needs the address\(es\): /],
    ] as const) {
      const run = await broadsheet(dir, ...args);
      expect(run.code, args.join(' ')).toBe(64);
      if (typeof said === 'string') expect(run.stderr).toBe(said);
      else expect(run.stderr).toMatch(said);
    }
    // An option followed by another option, not its value.
    expect((await broadsheet(dir, 'check', '--content', '--state', 'x')).stderr).toBe(
      'broadsheet: --content needs a value (--content <value>). broadsheet check --help lists the options.\n',
    );
    const valueless = await broadsheet(dir, 'send-test', '--to');
    expect(valueless.code).toBe(64);
    expect(valueless.stderr).toMatch(/^broadsheet: --to needs a value \(--to <value>\)\./);
    // An option another command takes is refused, not silently ignored, with the options this one takes.
    const misplaced = await broadsheet(dir, 'build', '--watch', '--port', '4001');
    expect(misplaced.code).toBe(64);
    expect(misplaced.stderr).toMatch(/^--watch, --port do not apply to build\.\n\nUsage: broadsheet build\n/);
    expect(misplaced.stderr).toContain('--outbox <dir>');
    expect(misplaced.stderr).not.toContain('--table');
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(dir)).toEqual(['content']);
  });

  it('<command> --help shows that command; an argument a command does not take is refused, not ignored', async () => {
    const dir = await scratchProject();
    const help = await broadsheet(dir, 'diff', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: broadsheet diff <git-ref>\n\n {2}What merging/);
    expect(help.stdout).not.toContain('send-test --to');
    expect(help.stdout).toContain('--content <dir>');
    // Only the options diff takes, each said of diff alone.
    expect(help.stdout).not.toContain('--port');
    expect(help.stdout).toContain('--diff-out <dir> is the same');
    expect(help.stdout).not.toContain('build:');
    const buildHelp = (await broadsheet(dir, 'build', '--help')).stdout;
    expect(buildHelp).toMatch(/--out <dir> +the built site \(default: dist\)\n/);
    expect(buildHelp).not.toContain('summary.md');
    expect((await broadsheet(dir, 'help', 'send-test')).stdout).toContain('--article <slug>');
    expect((await broadsheet(dir, 'help', 'cancel')).stdout).toMatch(/^Usage: broadsheet cancel \[id\]/);
    const helpUnknown = await broadsheet(dir, 'help', 'nope');
    expect(helpUnknown.code).toBe(64);
    expect(helpUnknown.stderr).toMatch(/^Unknown command "nope"/);

    const extra = await broadsheet(dir, 'check', 'posts/new.md');
    expect(extra.code).toBe(64);
    expect(extra.stderr).toMatch(/^check takes no arguments, and was also given "posts\/new\.md"/);
    expect((await broadsheet(dir, 'hold', 'a', 'b')).stderr).toMatch(
      /^hold takes at most 1 argument, and was also given "b"/,
    );
    const badTo = await broadsheet(dir, 'send-test', '--to', 'Bob <bob@example.org>');
    expect(badTo.stderr).toContain('a name and an address: give the address alone (bob@example.org)');
    expect((await broadsheet(dir, 'send-test', '--to', 'nope')).stderr).toContain(
      '"nope": not an email address',
    );
    const unknown = await broadsheet(join(dir, 'content'), 'frob');
    // An unknown command is said as such, even where there is no site.yaml.
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/^Unknown command "frob"/);
  });
});
