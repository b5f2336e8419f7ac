import { existsSync } from "node:fs";
import { join } from "node:path";
import { RandomStream } from "../engine/rng.js";
import { InputError } from "../input-error.js";
import { countMarketEvent } from "../metrics/market-event-metrics.js";
import type { MarketEvent } from "../protocol/events.js";
import { taskIdOf } from "../protocol/logged-event.js";
import { MetricsCollector, type SystemMetrics } from "../metrics/collector.js";
import { GasBySender } from "../metrics/gas-by-party.js";
import { baselineBilling } from "../economics/baseline-billing.js";
import { runEconomics, type RunEconomics } from "../economics/run-economics.js";
import { parseRequirementsRef } from "../model/task-ref.js";
import { generateWorkload } from "../model/workload.js";
import { chainLogEvents, readRunFolder } from "../run/run-files.js";
import { chainLogGap } from "./chain-log-continuity.js";
import { loadScenario } from "../scenario/load.js";

/** Fields of the market's metrics that the chain cannot tell: they depend on when nodes failed. */
export const NOT_AUDITABLE = ["computeSecondsLost"] as const;

export interface AuditDifference {
  /** JSON path in metrics.json, e.g. `systems.market.latencyMs.p95`. */
  field: string;
  reported: unknown;
  fromChain: unknown;
}

export interface AuditResult {
  fieldsChecked: number;
  differences: AuditDifference[];
  notAuditable: readonly string[];
  /**
   * Set when chain-log.jsonl does not hold every block of the run in order (`block 57
   * missing`): then no field is compared, and the audit fails on this alone.
   */
  chainLogGap?: string;
}

/**
 * Recomputes the market's metrics of a chain run from its exported chain log alone (raw
 * receipts and logs, decoded here with the contract ABI) plus the run's inputs (the scenario
 * and seed, which fix the workload), and compares them with metrics.json field by field.
 * A chain log with a block missing or repeated is reported as such, before any field.
 */
export function auditRun(dir: string): AuditResult {
  const { metrics, info, chainLog } = readRunFolder(dir);
  if (chainLog === null || info.chain === null) {
    throw new InputError("dir", `${dir} is a --ledger memory run: there is no chain to audit against`);
  }
  const gap = chainLogGap(chainLog, info.chain.deployBlock, info.finalBlockHash);
  if (gap !== undefined) return { fieldsChecked: 0, differences: [], notAuditable: NOT_AUDITABLE, chainLogGap: gap };
  const copy = [".yaml", ".yml", ".json"].map((ext) => join(dir, `scenario${ext}`)).find((path) => existsSync(path));
  const scenario = loadScenario(copy ?? info.scenario.ref, { seed: info.scenario.seed });
  const tasks = generateWorkload(scenario, RandomStream.root(scenario.seed).fork("workload"));
  const collector = new MetricsCollector("market", tasks);
  collector.gasUsed = 0n;
  collector.gasBySender = new GasBySender();
  collector.blocks = chainLog.length;
  for (const block of chainLog) {
    for (const tx of block.transactions) {
      collector.gasUsed += BigInt(tx.gasUsed);
      collector.gasBySender.addTransaction(tx.from, tx.gasUsed);
    }
  }

  const simIdOf = new Map<number, number>();
  const escrow = new EscrowCheck();
  for (const { event, timestamp } of chainLogEvents(chainLog, info.chain.marketAddress)) {
    escrow.add(event);
    const now = (timestamp - info.baseTimestamp) * 1_000;
    if (event.name === "TaskPosted") {
      const simId = parseRequirementsRef(event.requirementsHash);
      if (simId === undefined || simId >= tasks.length) throw new InputError("dir", `task ${event.taskId} on chain is not in the scenario's workload`);
      simIdOf.set(event.taskId, simId);
    }
    collector.gasBySender.noteEvent(event);
    const taskId = taskIdOf(event);
    countMarketEvent(collector, event, taskId === undefined ? null : (simIdOf.get(taskId) ?? null), now, (provider) => provider);
  }
  const recomputed = collector.summarize({ duration: scenario.duration, bucket: scenario.metricsBucket });
  const reported = metrics.systems.market;
  const differences: AuditDifference[] = [];
  let fieldsChecked = escrow.checked;
  differences.push(...escrow.differences);
  for (const key of Object.keys(recomputed) as Array<keyof SystemMetrics>) {
    if ((NOT_AUDITABLE as readonly string[]).includes(key)) continue;
    fieldsChecked += compare(`systems.market.${key}`, reported[key], recomputed[key], differences);
  }
  // The market's money in USD, re-priced from the recomputed metrics at the scenario's chain
  // costs (the baselines' side is taken as reported: the chain does not know it).
  const economics = runEconomics({ market: recomputed, centralized: metrics.systems.centralized, multiCloud: metrics.systems.multiCloud }, scenario.chain, baselineBilling(scenario));
  const reportedEconomics = metrics.economics as Partial<RunEconomics> | undefined;
  fieldsChecked += compare("economics.chain", reportedEconomics?.chain, economics.chain, differences);
  fieldsChecked += compare("economics.systems.market", reportedEconomics?.systems?.market, economics.systems.market, differences);
  fieldsChecked += compare("economics.breakEvenGasPriceGwei", reportedEconomics?.breakEvenGasPriceGwei, economics.breakEvenGasPriceGwei, differences);
  return { fieldsChecked, differences, notAuditable: NOT_AUDITABLE };
}

/**
 * Each task's escrow from its events alone: posted as maxPrice + keeperReserve, each KeeperPaid
 * taken from the reserve (never beyond it), and the end (ResultSubmitted's payment + posterRefund,
 * or TaskRefunded's amount) paying out exactly what is left.
 */
class EscrowCheck {
  readonly differences: AuditDifference[] = [];
  checked = 0;
  private readonly tasks = new Map<number, { maxPrice: bigint; reserve: bigint }>();

  add(event: MarketEvent): void {
    switch (event.name) {
      case "TaskPosted":
        this.tasks.set(event.taskId, { maxPrice: event.maxPrice, reserve: event.keeperReserve });
        return;
      case "KeeperPaid": {
        const t = this.tasks.get(event.taskId);
        if (t === undefined) return;
        this.expect(`escrow.task${event.taskId}.keeperReserve`, event.amount <= t.reserve ? event.amount : t.reserve, event.amount);
        t.reserve -= event.amount;
        return;
      }
      case "ResultSubmitted":
        this.end(event.taskId, event.payment + event.posterRefund);
        return;
      case "TaskRefunded":
        this.end(event.taskId, event.amount);
        return;
      default:
        return;
    }
  }

  private end(taskId: number, paidOut: bigint): void {
    const t = this.tasks.get(taskId);
    if (t === undefined) return;
    this.expect(`escrow.task${taskId}.paidOut`, paidOut, t.maxPrice + t.reserve);
    this.tasks.delete(taskId);
  }

  private expect(field: string, reported: bigint, fromChain: bigint): void {
    this.checked += 1;
    if (reported !== fromChain) this.differences.push({ field, reported: reported.toString(), fromChain: fromChain.toString() });
  }
}

/** Deep comparison by JSON value; returns the number of leaf fields compared. */
function compare(path: string, reported: unknown, fromChain: unknown, out: AuditDifference[]): number {
  if (Array.isArray(fromChain) || (fromChain !== null && typeof fromChain === "object")) {
    if (reported === null || typeof reported !== "object" || Array.isArray(reported) !== Array.isArray(fromChain)) {
      out.push({ field: path, reported, fromChain });
      return 1;
    }
    const keys = new Set([...Object.keys(fromChain as object), ...Object.keys(reported as object)]);
    let n = 0;
    for (const key of keys) {
      n += compare(`${path}${Array.isArray(fromChain) ? `[${key}]` : `.${key}`}`, (reported as Record<string, unknown>)[key], (fromChain as Record<string, unknown>)[key], out);
    }
    return n;
  }
  if (JSON.stringify(reported) !== JSON.stringify(fromChain)) out.push({ field: path, reported, fromChain });
  return 1;
}
