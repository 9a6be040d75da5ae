// The scenarios of `npm run scenarios` at reduced sizes, each on its own local AWS (the synthesized stack,
// functions from their bundles, with their roles): nothing sent twice, nothing missed, nothing
// dead-lettered, nothing denied. The rest are in scenarios-timeouts.test.ts.
import { describe } from 'vitest';
import { everyEmailOnce } from '../helpers/scenarios.js';

describe('scenarios on the local AWS (reduced sizes)', () => {
  everyEmailOnce([
    'push-200-articles',
    'digest-10000-ses-throttling',
    's3-events-twice-out-of-order',
    'subscribe-confirm-unsubscribe-bounce',
  ]);
});
