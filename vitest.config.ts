import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // templates/ holds the generated service's own tests: they run inside a generated repo.
    include: ['test/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'templates/**'],
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
