// Money on the memory ledger, after every block: the ledger's totals and every account's credit
// must equal what the block's events say moved, and the ledger must hold exactly open escrow
// plus credits plus stakes. A payment the events do not show (a task paid twice, a stale result
// credited) breaks the per-account credits; a leak breaks the balance.
import type { MemoryLedger } from "../../sim/ledger/memory-ledger.js";
import type { BlockResult } from "../../sim/protocol/ledger.js";

export class EscrowConservation {
  readonly violations: string[] = [];
  private readonly credits = new Map<string, bigint>();
  private readonly stakes = new Map<string, bigint>();
  private readonly escrow = new Map<number, bigint>();
  private balance = 0n;

  constructor(
    private readonly ledger: MemoryLedger,
    private readonly bps: { slash: number; abandon: number },
  ) {}

  /** Applies one block's events to the model, then compares the ledger with it. */
  onBlock(block: BlockResult): void {
    const touched = new Set<string>();
    const credit = (account: string, amount: bigint) => {
      this.credits.set(account, (this.credits.get(account) ?? 0n) + amount);
      touched.add(account);
    };
    let lastReason: string | undefined;
    for (const e of block.events) {
      switch (e.name) {
        case "ProviderRegistered":
          this.stakes.set(e.provider, e.stake);
          this.balance += e.stake;
          break;
        case "TaskPosted":
          this.escrow.set(e.taskId, e.maxPrice);
          this.balance += e.maxPrice;
          break;
        case "ResultSubmitted":
          this.escrow.delete(e.taskId);
          credit(e.provider, e.payment);
          credit(this.ledger.getTask(e.taskId).poster, e.posterRefund);
          break;
        case "TaskRefunded":
          this.escrow.delete(e.taskId);
          credit(e.poster, e.amount);
          break;
        case "TaskRerouted":
          lastReason = e.reason;
          break;
        case "ProviderSlashed": {
          const stake = this.stakes.get(e.provider)!;
          const bps = lastReason === "Abandoned" ? this.bps.abandon : this.bps.slash;
          if (e.amount !== (stake * BigInt(bps)) / 10_000n) this.fail(block, `slash of ${e.provider} is ${e.amount}, expected ${bps} bps of ${stake}`);
          this.stakes.set(e.provider, stake - e.amount);
          credit(e.poster, e.amount);
          break;
        }
        case "Withdrawn":
          credit(e.account, -e.amount);
          this.balance -= e.amount;
          break;
        default:
          break;
      }
    }
    const sum = (m: Map<unknown, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);
    const l = this.ledger;
    if (l.balance() !== l.totalEscrow() + l.totalCredits() + l.totalStaked()) this.fail(block, `balance ${l.balance()} is not escrow + credits + stakes`);
    if (l.balance() !== this.balance) this.fail(block, `balance ${l.balance()}, the events say ${this.balance}`);
    if (l.totalEscrow() !== sum(this.escrow)) this.fail(block, `escrow ${l.totalEscrow()}, open tasks hold ${sum(this.escrow)}`);
    if (l.totalCredits() !== sum(this.credits)) this.fail(block, `credits ${l.totalCredits()}, the events say ${sum(this.credits)}`);
    if (l.totalStaked() !== sum(this.stakes)) this.fail(block, `stakes ${l.totalStaked()}, the events say ${sum(this.stakes)}`);
    for (const account of touched) {
      if (l.creditOf(account) !== this.credits.get(account)) this.fail(block, `credit of ${account} is ${l.creditOf(account)}, the events say ${this.credits.get(account)}`);
    }
  }

  /** No escrow is left once every task has ended. */
  finish(): void {
    if (this.ledger.totalEscrow() !== 0n) this.violations.push(`escrow ${this.ledger.totalEscrow()} left after the run`);
  }

  private fail(block: BlockResult, message: string): void {
    if (this.violations.length < 5) this.violations.push(`block ${block.blockNumber} (ts ${block.timestamp}): ${message}`);
  }
}
