// The live market's controls are one optional object on the MarketService (`market.live`): a
// market without it answers 409 on every live-only route; one with it has the routes call it.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import type { LiveControls, MarketService } from "../../server/market-service.js";
import { AUTH, TOKEN, createApiFixture, provider, type ApiFixture } from "./server-fixture.js";

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
}, 60_000);
afterAll(async () => {
  await fx?.market.close();
});

/** The chain market with `live` controls added (every other member is the market's own). */
function withLive(market: MarketService, live: Partial<LiveControls>): MarketService {
  return new Proxy(market, { get: (target, key) => (key === "live" ? live : Reflect.get(target, key, target)) });
}

describe("LiveControls", () => {
  it("a market without `live` answers 409 on every live-only route", async () => {
    expect((fx.market as MarketService).live).toBeUndefined();
    const address = provider(0);
    for (const res of [
      await request(fx.app).get("/api/kpis"),
      await request(fx.app).get("/api/outages"),
      await request(fx.app).post("/api/outages").set(AUTH).send({ region: "us-east-1", duration: 60 }),
      await request(fx.app).post(`/api/providers/${address}/offline`).set(AUTH),
      await request(fx.app).post(`/api/providers/${address}/online`).set(AUTH),
    ]) {
      expect(res.status, res.text).toBe(409);
      expect(res.body).toEqual({ error: expect.stringMatching(/no live market/) });
    }
  });

  it("a market with `live` has the provider switches call its controls", async () => {
    const calls: [string, boolean][] = [];
    const live: Partial<LiveControls> = {
      offlineHolds: () => [],
      setProviderOnline: async (address, up) => {
        calls.push([address, up]);
        return address === provider(0);
      },
    };
    const app = createApp({ market: withLive(fx.market, live), token: TOKEN });
    const known = await request(app).post(`/api/providers/${provider(0)}/offline`).set(AUTH);
    expect(known.status, known.text).toBe(200);
    expect(known.body).toEqual({ address: provider(0), online: false });
    const unknown = await request(app).post(`/api/providers/${provider(1)}/online`).set(AUTH);
    expect(unknown.status, unknown.text).toBe(404);
    expect(calls).toEqual([
      [provider(0), false],
      [provider(1), true],
    ]);
  });
});
