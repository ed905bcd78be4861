import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test builds its own app; nothing is shared between files.
    restoreMocks: true,
    // @fastify/autoload imports the route modules itself: bundled into the test run (not
    // left to Node), its import() goes through Vite, which compiles the .ts routes.
    server: { deps: { inline: ["@fastify/autoload"] } },
  },
});
