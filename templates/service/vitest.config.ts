import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test builds its own app; nothing is shared between files.
    restoreMocks: true,
  },
});
