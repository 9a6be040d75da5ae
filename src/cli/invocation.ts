// What main() hands every command once the command line is read and site.yaml loaded.
import { ConfigError } from '../core/errors.js';
import type { SiteConfig } from '../core/site.js';
import type { Options } from './options.js';

/** The folders a command reads and writes, resolved. */
export interface Paths {
  readonly content: string;
  readonly out: string;
  readonly outbox: string;
  readonly state: string;
}

/** What every command is given: the site, its folders, the options and the clock. */
export interface Invocation {
  readonly site: SiteConfig;
  readonly paths: Paths;
  readonly options: Options;
  readonly clock: () => Date;
}

/** The clock of --now, or the real one. A bad --now is said where a command first asks the time. */
export function clockOf(now: string | undefined): () => Date {
  return () => {
    if (now === undefined) return new Date();
    const at = new Date(now);
    if (Number.isNaN(at.getTime())) throw new ConfigError('--now', [`"${now}" is not a date`]);
    return at;
  };
}
