// Scripted paths through the three deliberate behaviour changes of the gas-optimised market:
//   a. an escrow (so every price) above 2^88 - 1 is refused with AmountTooLarge(amount);
//   b. abandonTask after the assignee's deadline is refused with DeadlinePassed(taskId, deadline, nowTs),
//      checked after the status and the assignee;
//   c. no Panic: stake + unbonding + deposit above 2^96 - 1 is refused with AmountTooLarge(that sum),
//      and slashedTotal is a uint256.
// memory-ledger.test.ts checks their results by hand; memory-vs-contract.test.ts replays them on
// ComputeMarket. Same conventions as ledgerScripts in test/helpers/ledger-actors.ts.
import { act, ETH, eth, LEDGER_TEST_CONFIG, UINT96_MAX, type Actors, type Script } from "../helpers/ledger-actors.js";
import type { MarketConfig } from "../../sim/protocol/market-config.js";

export const UINT88_MAX = 2n ** 88n - 1n;

export function deliberateChangeScripts(a: Actors, t0: number): Script[] {
  const [p0, p1] = a.posters;
  const [v0, v1, v2] = a.providers;
  const s = a.stranger;
  const at = (dt: number) => t0 + dt;
  const cfg = (o: Partial<MarketConfig> = {}): MarketConfig => ({ ...LEDGER_TEST_CONFIG, ...o });

  return [
    {
      name: "escrow and prices at the 88-bit bound",
      config: cfg(),
      blocks: [
        {
          at: 0,
          actions: [
            act.register(v0),
            act.register(v1),
            act.post(p0, at(10), { maxPrice: UINT88_MAX + 1n }),
            act.post(p1, at(10), { maxPrice: UINT96_MAX }),
            act.post(p0, at(10), { maxPrice: UINT88_MAX }),
          ],
          label: "post",
        },
        {
          at: 1,
          actions: [act.bids(v1, [1, UINT88_MAX + 1n]), act.bids(v0, [1, UINT88_MAX]), act.bids(v1, [1, UINT88_MAX - 1n])],
          label: "bids",
        },
        { at: 10, actions: [act.close(s, 1)], label: "close" },
        { at: 11, actions: [act.result(v1, 1, 1), act.withdraw(v1), act.withdraw(p0)], label: "result" },
      ],
    },
    {
      name: "abandon up to the deadline only",
      config: cfg(),
      blocks: [
        {
          at: 0,
          actions: [
            act.register(v0, { capacity: 3 }),
            act.register(v1, { capacity: 3 }),
            act.post(p0, at(10), { budget: 20 }),
            act.post(p1, at(10), { budget: 20 }),
          ],
        },
        { at: 1, actions: [act.bids(v0, [1, eth(0.1)], [2, eth(0.1)]), act.bids(v1, [1, eth(0.2)], [2, eth(0.2)])] },
        { at: 10, actions: [act.close(s, 1, 2)], label: "award" },
        // both deadlines are at 30: abandoning at exactly the deadline is still allowed
        { at: 30, actions: [act.abandon(v0, 1)], label: "at the deadline" },
        {
          at: 31,
          actions: [
            // the assignee check comes before the deadline check, the status check before both
            act.abandon(v1, 2),
            act.abandon(s, 2),
            act.abandon(v0, 2),
            act.abandon(v0, 3),
            act.reroute(s, 2),
          ],
          label: "after the deadline",
        },
        { at: 51, actions: [act.abandon(v1, 2), act.abandon(v1, 1)], label: "fallback" },
      ],
    },
    {
      name: "stake bounds and slashedTotal past 2^96",
      config: cfg({ unbondingDelay: 0, slashBps: 10_000, abandonSlashBps: 10_000 }),
      blocks: [
        {
          at: 0,
          actions: [
            act.register(v0, { stake: UINT96_MAX - 3n * ETH }),
            act.requestStakeWithdrawal(v0, ETH),
            act.addStake(v0, 3n * ETH + 1n),
            act.addStake(v0, 3n * ETH),
            act.addStake(v0, 1n),
            act.requestStakeWithdrawal(v0, UINT96_MAX - ETH),
            act.addStake(v0, UINT96_MAX),
            act.register(v1, { stake: UINT96_MAX + 1n }),
            act.register(v1, { stake: UINT96_MAX }),
            act.addStake(v1, 1n),
            act.register(v2, { stake: ETH }),
            act.post(p0, at(5), { budget: 1 }),
          ],
          label: "stake",
        },
        { at: 1, actions: [act.bids(v1, [1, eth(0.5)])] },
        { at: 5, actions: [act.close(s, 1)] },
        {
          at: 7,
          actions: [act.reroute(s, 1), act.addStake(v1, UINT96_MAX), act.post(p0, at(10), { budget: 1 }), act.bids(v1, [2, eth(0.5)])],
          label: "first slash",
        },
        { at: 10, actions: [act.close(s, 2)] },
        { at: 12, actions: [act.reroute(s, 2), act.withdraw(p0), act.withdrawStake(v0)], label: "second slash" },
      ],
    },
  ];
}
