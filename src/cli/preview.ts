// `preview`: the site served on loopback (src/dev/preview.ts), and what each build and rebuild says.
import { join, resolve } from 'node:path';
import { BroadsheetError, ConfigError, ContentError, formatProblem } from '../core/errors.js';
import type { Invocation } from './invocation.js';
import { printWarnings, show } from './output.js';

function portOf(given: string): number {
  const text = given.trim();
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535)
    throw new ConfigError('--port', [
      `"${given}" is not a port: give a number from 1 to 65535 (0 picks a free one)`,
    ]);
  return port;
}

export async function previewCommand({ paths, options, clock }: Invocation): Promise<void> {
  // Loaded only here: the watcher and the subscription API are the preview's alone.
  const { startPreview } = await import('../dev/preview.js');
  const watch = options.watch === true;
  let shown = new Set<string>();
  // Whether the last build failed, so the author hears that the fix worked.
  let failed = false;
  let builds = 0;
  const port = portOf(options.port);
  const server = await startPreview({
    content: paths.content,
    out: resolve(paths.state, 'preview'),
    state: paths.state,
    outbox: paths.outbox,
    port,
    watch,
    drafts: options.drafts === true,
    now: clock,
    onBuild: ({ report, error }) => {
      if (error !== undefined) {
        // A bad edit keeps the last good preview up; the errors say what to fix, and of the warnings only
        // those this edit brought (the rest were said with the build that first met them).
        if (error instanceof ContentError) {
          const errors = error.problems.filter((p) => p.severity === 'error');
          if (errors.length > 0) console.error(errors.map(formatProblem).join('\n'));
          printWarnings(error.problems.filter((p) => p.severity !== 'error' && !shown.has(formatProblem(p))));
        } else console.error(error instanceof Error ? error.message : String(error));
        if (builds > 0)
          console.error('Not rebuilt: the preview still shows the last good build; fix the above and save.');
        failed = true;
        return;
      }
      if (!report) return;
      // The author saved and wants to know it took, warnings or not.
      if (failed) console.log(`Built again: previewing ${report.published} articles.`);
      else if (builds > 0) console.log(`Rebuilt: previewing ${report.published} articles.`);
      failed = false;
      builds++;
      // Each rebuild reports every source's warnings; say only what this change brought.
      const current = new Set(report.warnings.map(formatProblem));
      printWarnings(report.warnings.filter((p) => !shown.has(formatProblem(p))));
      shown = current;
    },
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new BroadsheetError(`port ${port} is in use; pass --port to use another`);
    throw error;
  });
  const { first } = server;
  if (first === undefined) {
    // Only with --watch: without it a failed first build ends the command.
    console.error(
      `The site could not be built: fix the problems above and save; ${server.url}/ says so until it builds (rebuilding on change; Ctrl-C to stop)`,
    );
    return;
  }
  const extra = options.drafts ? ' (drafts and scheduled ones included, each marked)' : '';
  console.log(
    `Previewing ${first.published} articles${extra} at ${server.url}/ (subscribe: mail goes to ${show(join(paths.outbox, 'subscriptions'))}/${watch ? '; rebuilding on change' : ''}; Ctrl-C to stop)`,
  );
}
