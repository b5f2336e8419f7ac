// openLedger() is the one place that picks the ledger: the memory model, a new market on the
// embedded chain, or on a JSON-RPC node either a new market (a simulation) or the one the
// deployment registry remembers (the API and the live market). A connection it made is closed
// when opening fails; a connection it was given is left to its owner.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectChain } from "../../sim/chain/connect.js";
import { openLedger } from "../../sim/ledger/open-ledger.js";
import { MemoryLedger } from "../../sim/ledger/memory-ledger.js";
import { ChainLedger } from "../../sim/ledger/chain-ledger.js";
import { DEFAULT_MARKET_CONFIG } from "../../sim/protocol/market-config.js";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhat-node.js";

const config = DEFAULT_MARKET_CONFIG;
const START = 1_760_925_600; // 2025-10-20T02:00:00Z, after the embedded chain's genesis

describe("openLedger", () => {
  it("memory: the memory model, no chain", async () => {
    const opened = await openLedger({ ledger: "memory", config });
    expect(opened.kind).toBe("memory");
    expect(opened.ledger).toBeInstanceOf(MemoryLedger);
    await opened.ledger.close();
  });

  it("chain on the embedded chain: a new market, never reused, even when a registry is named", async () => {
    const opened = await openLedger({ ledger: "chain", config, startTimestamp: START, chain: {}, registry: { file: "/nonexistent/registry.json" } });
    try {
      expect(opened.kind).toBe("embedded");
      expect(opened.ledger).toBeInstanceOf(ChainLedger);
      expect(opened.reused).toBe(false);
      expect(opened.ledger.startTimestamp).toBeGreaterThanOrEqual(START);
    } finally {
      await opened.ledger.close();
    }
  });

  describe("on a JSON-RPC node", { timeout: 120_000 }, () => {
    let node: HardhatNode;
    beforeAll(async () => {
      node = await startHardhatNode();
    }, 60_000);
    afterAll(async () => {
      await node?.stop();
    });

    it("without a registry: a new market each time; with one: deployed once, then found again", async () => {
      const registryFile = join(mkdtempSync(join(tmpdir(), "bidmesh-open-ledger-")), "registry.json");
      const now = Math.floor(Date.now() / 1000);
      const a = await openLedger({ ledger: "chain", config, startTimestamp: now, chain: { rpcUrl: node.url } });
      const b = await openLedger({ ledger: "chain", config, startTimestamp: now, chain: a.ledger.chain });
      expect(a.kind).toBe("rpc");
      expect(a.reused).toBe(false);
      expect(b.reused).toBe(false);
      expect(b.ledger.marketAddress).not.toBe(a.ledger.marketAddress);

      const first = await openLedger({ ledger: "chain", config, startTimestamp: now, chain: a.ledger.chain, registry: { file: registryFile } });
      const again = await openLedger({ ledger: "chain", config, startTimestamp: now, chain: a.ledger.chain, registry: { file: registryFile } });
      expect(first.reused).toBe(false);
      expect(again.reused).toBe(true);
      expect(again.ledger.marketAddress).toBe(first.ledger.marketAddress);
      await a.ledger.close();
    });

    it("leaves a connection it was given open when opening fails", async () => {
      const chain = await connectChain({ rpcUrl: node.url });
      try {
        // A registry path inside a file cannot be written: findOrCreate fails after deploying.
        await expect(openLedger({ ledger: "chain", config, startTimestamp: 0, chain, registry: { file: "/dev/null/registry.json" } })).rejects.toThrow();
        await expect(chain.rpc("eth_blockNumber", [])).resolves.toMatch(/^0x/);
      } finally {
        await chain.close();
      }
    });
  });
});
