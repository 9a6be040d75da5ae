/** One problem found in one input file. `line` is 1-based when the parser can tell. */
export interface Problem {
  readonly file: string;
  readonly field: string;
  readonly reason: string;
  readonly line?: number;
  readonly severity: 'error' | 'warning';
}

export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return `${where}: ${p.severity} in ${p.field}: ${p.reason}`;
}

/** Base of every error Broadsheet raises on purpose; anything else is a bug. */
export class BroadsheetError extends Error {
  override name = 'BroadsheetError';
}

/** site.yaml (or another configuration source) is missing or invalid. */
export class ConfigError extends BroadsheetError {
  override name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Content is invalid (articles, pages, static files, the theme, site.yaml's nav); the build stops before
 * writing anything. The header counts problems and the files they are in, naming the file when there is one.
 */
export class ContentError extends BroadsheetError {
  override name = 'ContentError';
  constructor(readonly problems: readonly Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    const files = new Set(errors.map((p) => p.file));
    const where = files.size === 1 ? [...files][0] : `${files.size} files`;
    super(
      `${errors.length} problem${errors.length === 1 ? '' : 's'} in ${where}:\n${errors.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
  }
}

/** Something asked for does not exist (a source deleted since its event was sent). */
export class NotFoundError extends BroadsheetError {
  override name = 'NotFoundError';
  constructor(readonly what: string) {
    super(`${what} does not exist`);
  }
}

/** Another publish holds the lock; the caller should retry later (SQS redelivers the batch). */
export class PublishBusyError extends BroadsheetError {
  override name = 'PublishBusyError';
}

/** A failed send; `retryable` for throttling and outages, not for a rejected message or address. */
export class MailError extends BroadsheetError {
  override name = 'MailError';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A change would make an unsubscribed or suppressed address receive mail again, and nobody forced it. */
export class OptOutError extends BroadsheetError {
  override name = 'OptOutError';
  constructor(
    readonly address: string,
    readonly status: 'unsubscribed' | 'suppressed',
  ) {
    super(`${address} is ${status}: refusing to undo an opt-out without --force`);
  }
}

/** A subscriber kept changing under an update for every attempt; the caller may try again later. */
export class SubscriberConflictError extends BroadsheetError {
  override name = 'SubscriberConflictError';
  constructor(
    readonly addresses: readonly string[],
    attempts: number,
  ) {
    super(
      `${addresses.length} subscriber(s) changed concurrently on each of ${attempts} attempts; nothing more was written for them`,
    );
  }
}

/**
 * A local state file (.broadsheet/…, content/published-ids.json) cannot be read, is not JSON, or is not
 * what Broadsheet wrote there. Names the file, the problem and what to do, since guessing is how state
 * that decides who gets email is lost.
 */
export class StateFileError extends BroadsheetError {
  override name = 'StateFileError';
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly fix: string,
    options?: ErrorOptions,
  ) {
    super(`${file} ${problem}.\n${fix}`, options);
  }
}
