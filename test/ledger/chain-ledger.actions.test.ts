import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectChain, type Chain } from "../../sim/chain/connect.js";
import { ChainLedger } from "../../sim/ledger/chain-ledger.js";
import { MemoryLedger } from "../../sim/ledger/memory-ledger.js";
import type { MarketActionKind } from "../../sim/protocol/actions.js";
import { ledgerScripts, memoryActors } from "../helpers/ledger-actors.js";

// Every kind of MarketAction through ChainLedger itself (its encoder and gas bounds, the same
// encoder the differential driver uses): each scripted path of the market gives the same events
// and refusals on the chain ledger as on the memory ledger, block by block.

/** Every action kind, so the test fails when a kind is added that no script sends. */
const ALL_KINDS = {
  register: true,
  post: true,
  bids: true,
  close: true,
  result: true,
  reroute: true,
  abandon: true,
  withdraw: true,
  cancel: true,
  addStake: true,
  updateCapacity: true,
  requestStakeWithdrawal: true,
  withdrawStake: true,
} satisfies Record<MarketActionKind, true>;

const actors = memoryActors();
const SCRIPTS = ledgerScripts(actors, 0);
let chain: Chain;

beforeAll(async () => {
  chain = await connectChain();
});

afterAll(async () => {
  await chain?.close();
});

describe("ChainLedger sends every action kind as the memory ledger applies it", () => {
  it("the scripts send every kind of action", () => {
    const sent = new Set(SCRIPTS.flatMap((s) => s.blocks.flatMap((b) => b.actions.map((a) => a.kind))));
    expect([...sent].sort()).toEqual(Object.keys(ALL_KINDS).sort());
  });

  for (const shape of SCRIPTS) {
    it(shape.name, async () => {
      const ledger = await ChainLedger.create(chain, shape.config, 1);
      const t0 = ledger.startTimestamp;
      const script = ledgerScripts(actors, t0).find((s) => s.name === shape.name)!;
      const memory = new MemoryLedger(script.config);
      for (const [i, block] of script.blocks.entries()) {
        const where = `${script.name}, block ${i}${block.label === undefined ? "" : ` (${block.label})`}`;
        const onChain = await ledger.commitBlock(t0 + block.at, block.actions);
        const inMemory = await memory.commitBlock(t0 + block.at, block.actions);
        expect(onChain.refused, `${where}: refusals`).toEqual(inMemory.refused);
        expect(onChain.events, `${where}: events`).toEqual(inMemory.events);
      }
    });
  }
});
