import { describe, expect, it } from "vitest";
import { id, parseEther } from "ethers";
import { enumName, REFUND_REASON, TASK_STATUS } from "../../sim/protocol/enums.js";
import { readLedgerEvents } from "../../sim/chain/ledger-reader.js";
import { taskHistory } from "../../sim/protocol/history.js";
import { as, closeAfterWindow, mined, postTask, registerProvider, SECOND_PRICE, useMarketFixture } from "../helpers/market-fixture.js";

// The ABI carries enums as numbers; these checks tie each name to the contract's behaviour.

const fx = useMarketFixture();

describe("enum names", () => {
  it("name the task states the contract moves through", async () => {
    const provider = fx.providers[0]!;
    await registerProvider(fx, provider);
    const status = async (taskId: bigint) => enumName(TASK_STATUS, (await fx.market.getTask(taskId)).status);
    const taskId = await postTask(fx, fx.posters[0]!);
    expect(await status(taskId)).toBe("Open");
    await mined(as(fx, provider).placeBid(taskId, parseEther("0.1")));
    await closeAfterWindow(fx, taskId);
    expect(await status(taskId)).toBe("Awarded");
    await mined(as(fx, provider).submitResult(taskId, 1, id("r")));
    expect(await status(taskId)).toBe("Completed");
    const cancelled = await postTask(fx, fx.posters[0]!);
    await mined(as(fx, fx.posters[0]!).cancelTask(cancelled));
    expect(await status(cancelled)).toBe("Refunded");
    expect(TASK_STATUS[0]).toBe("None");
  });

  it("name the mechanism and the refund reason as the events carry them", async () => {
    const taskId = await postTask(fx, fx.posters[0]!, { mechanism: SECOND_PRICE });
    await mined(as(fx, fx.posters[0]!).cancelTask(taskId));
    const h = taskHistory(await readLedgerEvents(fx.chain, fx.address), Number(taskId));
    expect(h.mechanism).toBe("SecondPrice");
    expect(h.refund?.reason).toBe("Cancelled");
    expect(REFUND_REASON.indexOf("Cancelled")).toBe(0);
  });

  it("refuses a value outside the enum", () => {
    expect(() => enumName(TASK_STATUS, 7)).toThrow("enum value 7 is out of range (0..4)");
  });
});
