import { afterEach, describe, expect, it } from "vitest";
import { buildTestApp, closeApps } from "../helper.js";

afterEach(closeApps);

describe("GET /v1/{{kebabCase name}}", () => {
  it("answers 200 with a list", async () => {
    const { app } = await buildTestApp();
    const response = await app.inject({ method: "GET", url: "/v1/{{kebabCase name}}" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ items: [] });
  });

  it("is documented in the OpenAPI document", async () => {
    const { openapi } = await buildTestApp();
    const document = (await openapi()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toContain("/v1/{{kebabCase name}}");
  });

  it("is measured under its route pattern", async () => {
    const { app, metrics } = await buildTestApp();
    await app.inject({ method: "GET", url: "/v1/{{kebabCase name}}" });
    const text = await metrics.registry.metrics();
    expect(text).toContain('route="/v1/{{kebabCase name}}"');
  });
});
