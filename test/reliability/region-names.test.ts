// Region names that look like a real one and are not: a bidi override ("\u202e1-tsae-su"
// displays as us-east-1), a zero-width space ("any\u200b"), a Cyrillic homoglyph, a trailing
// space, another case. Such a task used to be accepted and then matched no provider, its escrow
// locked until the refund. Now a task names a region the market knows (one a provider
// registered in, a live market's scenario regions) or "any"; anything else answers 400 listing
// the known ones with the name's invisible characters shown, and nothing reaches the chain.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printable } from "../../server/known-regions.js";
import { act, AUTH, chainState, commit, createApiFixture, taskBody, type ApiFixture } from "../server/server-fixture.js";

let fx: ApiFixture;

beforeAll(async () => {
  fx = await createApiFixture();
  await commit(fx.market, 1, [act.register(0, "us-east-1"), act.register(1, "eu-west-1"), act.register(2, "us-east-1")]);
});

afterAll(async () => {
  await fx?.market.close();
});

const post = (region: string) => request(fx.app).post("/api/tasks").set(AUTH).send(taskBody({ region }));

describe("POST /api/tasks with a region the market does not know", () => {
  it.each([
    ["a bidi override that displays as us-east-1", "\u202e1-tsae-su", '"\\u202e1-tsae-su"'],
    ["any with a zero-width space", "any\u200b", '"any\\u200b"'],
    ["us-east-1 with a zero-width joiner", "us-east\u200d-1", '"us-east\\u200d-1"'],
    ["us-east-1 with a Cyrillic е", "us-\u0435ast-1", '"us-\\u0435ast-1"'],
    ["us-east-1 with a trailing space", "us-east-1 ", '"us-east-1 "'],
    ["us-east-1 with a no-break space", "us-east-1\u00a0", '"us-east-1\\u00a0"'],
    ["US-EAST-1", "US-EAST-1", '"US-EAST-1"'],
    ["ANY", "ANY", '"ANY"'],
    ["a region no provider registered in", "ap-south-1", '"ap-south-1"'],
    ["a quote and a backslash", 'a"b\\c', '"a\\"b\\\\c"'],
  ])("%s: 400 listing the known regions, nothing on chain", async (_name, region, shown) => {
    const before = await chainState(fx.market);
    const res = await post(region);
    expect(res.status, res.text).toBe(400);
    expect(res.body).toEqual({
      error: "invalid request",
      issues: [{ in: "body", path: "region", message: `unknown region ${shown}: this market knows any, eu-west-1, us-east-1` }],
    });
    expect(await chainState(fx.market)).toEqual(before);
  });
});

describe("POST /api/tasks with a region the market knows", () => {
  it.each(["any", "us-east-1", "eu-west-1"])("%s: 201", async (region) => {
    const res = await post(region);
    expect(res.status, res.text).toBe(201);
  });

  it("a region becomes known once a provider registers in it", async () => {
    expect((await post("ap-south-1")).status).toBe(400);
    await commit(fx.market, 1, [act.register(3, "ap-south-1")]);
    expect((await post("ap-south-1")).status).toBe(201);
  });
});

describe("printable", () => {
  it("shows every character outside printable ASCII as \\uXXXX, and cuts a long name", () => {
    expect(printable("eu-west-1")).toBe('"eu-west-1"');
    expect(printable("\u202eabc\u200b")).toBe('"\\u202eabc\\u200b"');
    expect(printable("a\u{1F600}")).toBe('"a\\ud83d\\ude00"');
    expect(printable("x".repeat(100))).toBe(`"${"x".repeat(64)}…"`);
  });
});
