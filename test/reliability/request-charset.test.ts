// Request bodies in another charset: express's JSON parser decodes whatever charset the
// Content-Type names (utf-7, latin1, utf-16, …) before the schemas see the text, so what was
// validated is not what the client's bytes say in UTF-8. Every body route takes UTF-8 JSON
// only: another charset answers 415 naming it, and nothing reaches the market.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import type { MarketService, PostTaskInput } from "../../server/market-service.js";
import { AUTH, taskBody, TOKEN, unusedMarket } from "../server/server-fixture.js";

/** A market that records what it was asked to post. */
function recordingMarket(): { market: MarketService; posted: PostTaskInput[] } {
  const posted: PostTaskInput[] = [];
  const market: MarketService = {
    ...unusedMarket(),
    postTask: async (input) => {
      posted.push(input);
      return { taskId: posted.length, transactionHash: `0x${"ab".repeat(32)}`, blockNumber: posted.length };
    },
  };
  return { market, posted };
}

/** UTF-7 for `{"size":1` …: the same JSON, spelled with the +…- escapes UTF-7 uses for `{` and `"`. */
const json = JSON.stringify(taskBody());
const utf7 = json.replace(/[{}"]/g, (c) => `+${Buffer.from(`\0${c}`, "latin1").toString("base64").replace(/=+$/, "")}-`);

/** POST /api/tasks with these bytes as the body, declared as `contentType` (sent as they are). */
function postBytes(app: ReturnType<typeof createApp>, contentType: string, bytes: Buffer) {
  return request(app)
    .post("/api/tasks")
    .set(AUTH)
    .set("Content-Type", contentType)
    .serialize((body: unknown) => body as string)
    .send(bytes as unknown as string);
}

describe("POST bodies declared in a charset other than UTF-8", () => {
  it.each([
    ["application/json; charset=utf-7", Buffer.from(utf7, "latin1"), "utf-7"],
    ['application/json; charset="UTF-7"', Buffer.from(utf7, "latin1"), "utf-7"],
    ["application/json; charset=iso-8859-1", Buffer.from(json, "latin1"), "iso-8859-1"],
    ["application/json; charset=latin1", Buffer.from(json, "latin1"), "latin1"],
    ["application/json; charset=utf-16le", Buffer.from(json, "utf16le"), "utf-16le"],
    ["application/json; charset=utf-16", Buffer.from(`\ufeff${json}`, "utf16le"), "utf-16"],
    ["application/json; charset=utf-32", Buffer.from(json, "latin1"), "utf-32"],
    ["application/json; charset=utf8", Buffer.from(json, "utf8"), "utf8"],
    ["application/json; charset=utf-8; charset=utf-7", Buffer.from(json, "utf8"), "utf-8,utf-7"],
  ])("%s: 415 naming the charset, nothing posted", async (contentType, bytes, named) => {
    const { market, posted } = recordingMarket();
    const app = createApp({ market, token: TOKEN });
    const res = await postBytes(app, contentType, bytes);
    expect(res.status, res.text).toBe(415);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.body.error).toContain(`unsupported charset "${named}"`);
    expect(res.body.error).toContain("UTF-8");
    expect(posted).toEqual([]);
  });

  it("is refused on every route with a body, before the market is reached", async () => {
    const app = createApp({ market: unusedMarket(), token: TOKEN });
    for (const path of ["/api/outages", "/api/simulations"]) {
      const res = await request(app).post(path).set(AUTH).set("Content-Type", "application/json; charset=utf-7").send('{"region":"eu-west-1","duration":60}');
      expect(res.status, `${path}: ${res.text}`).toBe(415);
      expect(res.body.error).toMatch(/unsupported charset "utf-7"/);
    }
  });
});

describe("POST bodies in UTF-8", () => {
  it.each(["application/json", "application/json; charset=utf-8", "application/json; charset=UTF-8", 'application/json; Charset="Utf-8"', "Application/JSON ; charset=utf-8"])(
    "%s: accepted",
    async (contentType) => {
      const { market, posted } = recordingMarket();
      const app = createApp({ market, token: TOKEN });
      const res = await postBytes(app, contentType, Buffer.from(JSON.stringify(taskBody({ size: 2.5 })), "utf8"));
      expect(res.status, res.text).toBe(201);
      expect(posted).toHaveLength(1);
      expect(posted[0]).toMatchObject({ sizeMs: 2_500, region: "any" });
    },
  );
});
