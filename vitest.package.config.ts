import { defineConfig } from 'vitest/config';

/**
 * `npm run test:package`: packs the package and installs the tarball (test/deploy/package.pack-test.ts).
 * Kept out of `npm test`: npm pack and npm install -g take the machine's two cores for half a minute,
 * which starves the suite's short DNS timeouts. CI runs both (.ci/run).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.pack-test.ts'],
    setupFiles: ['test/support/no-network.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
