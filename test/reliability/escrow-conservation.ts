// Money on the memory ledger, after every block: the ledger's totals and every account's credit
// must equal what the block's events say moved, and the ledger must hold exactly open escrow
// plus credits plus stakes. A payment the events do not show (a task paid twice, a stale result
// credited) breaks the per-account credits; a leak breaks the balance. A task's escrow is its
// maxPrice plus its keeper reserve; each KeeperPaid moves the fee from the reserve to the keeper,
// and what is left of the reserve must come back to the poster when the task ends.
import type { MemoryLedger } from "../../sim/ledger/memory-ledger.js";
import type { BlockResult } from "../../sim/protocol/ledger.js";

export class EscrowConservation {
  readonly violations: string[] = [];
  private readonly credits = new Map<string, bigint>();
  private readonly stakes = new Map<string, bigint>();
  private readonly escrow = new Map<number, bigint>();
  /** Per open task: its maxPrice and the keeper reserve it still holds. */
  private readonly parts = new Map<number, { maxPrice: bigint; reserve: bigint }>();
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
        case "TaskPosted": {
          const expected = this.ledger.config.keeperFee * BigInt(this.ledger.config.maxRounds * (this.ledger.config.fallbackDepth + 1));
          if (e.keeperReserve !== expected) this.fail(block, `task ${e.taskId} escrows a keeper reserve of ${e.keeperReserve}, expected ${expected}`);
          this.escrow.set(e.taskId, e.maxPrice + e.keeperReserve);
          this.parts.set(e.taskId, { maxPrice: e.maxPrice, reserve: e.keeperReserve });
          this.balance += e.maxPrice + e.keeperReserve;
          break;
        }
        case "KeeperPaid": {
          const part = this.parts.get(e.taskId)!;
          if (e.amount !== this.ledger.config.keeperFee) this.fail(block, `keeper fee ${e.amount} on task ${e.taskId}, expected ${this.ledger.config.keeperFee}`);
          if (e.amount > part.reserve) this.fail(block, `task ${e.taskId}'s keeper reserve ${part.reserve} cannot pay ${e.amount}`);
          part.reserve -= e.amount;
          this.escrow.set(e.taskId, this.escrow.get(e.taskId)! - e.amount);
          credit(e.keeper, e.amount);
          break;
        }
        case "ResultSubmitted": {
          const part = this.parts.get(e.taskId) ?? (this.fail(block, `task ${e.taskId} ended twice`), { maxPrice: 0n, reserve: 0n });
          if (e.posterRefund !== part.maxPrice - e.payment + part.reserve) {
            this.fail(block, `task ${e.taskId} refunds ${e.posterRefund} to its poster, expected maxPrice - payment + reserve left ${part.maxPrice - e.payment + part.reserve}`);
          }
          this.escrow.delete(e.taskId);
          this.parts.delete(e.taskId);
          credit(e.provider, e.payment);
          credit(this.ledger.getTask(e.taskId).poster, e.posterRefund);
          break;
        }
        case "TaskRefunded": {
          const part = this.parts.get(e.taskId) ?? (this.fail(block, `task ${e.taskId} ended twice`), { maxPrice: 0n, reserve: 0n });
          if (e.amount !== part.maxPrice + part.reserve) this.fail(block, `task ${e.taskId} refunds ${e.amount}, expected maxPrice + reserve left ${part.maxPrice + part.reserve}`);
          this.escrow.delete(e.taskId);
          this.parts.delete(e.taskId);
          credit(e.poster, e.amount);
          break;
        }
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
