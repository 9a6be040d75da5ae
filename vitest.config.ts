import { defineConfig } from 'vitest/config';
import SlowestFirst from './tests/helpers/sequencer.js';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['tests/helpers/global-setup.ts'],
    // Vitest's default is one worker per core minus one, which is one on a 2-core machine. Most of the slow
    // files wait on emulators, child processes and browsers rather than compute, so two run side by side.
    maxWorkers: 2,
    sequence: { sequencer: SlowestFirst },
  },
});
