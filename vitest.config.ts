import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLI tests start a Node process each (about 1 s on an idle machine): room for a loaded one.
    testTimeout: 30_000,
    typecheck: { enabled: true, include: ['test/api.test.ts'], tsconfig: 'tsconfig.test.json' },
  },
});
