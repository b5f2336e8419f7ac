import { formatEther } from "ethers";
import { REROUTE_REASONS, type SystemMetrics } from "../metrics/collector.js";
import { PARTIES, type Party } from "../metrics/gas-by-party.js";
import type { SystemEconomics } from "../economics/run-economics.js";
import { SYSTEM_KEYS, SYSTEM_LABELS, type RunMetrics, type SystemKey } from "./types.js";

/** One row of the comparison: a label and one cell per system (market, centralized, multi-cloud). */
export interface ComparisonRow {
  label: string;
  values: [string, string, string];
}

const NA = "n/a";

/** `value` rounded to `digits` significant digits, without trailing zeros or exponent. */
function significant(value: number, digits: number): string {
  if (value === 0) return "0";
  return String(Number(value.toPrecision(digits)));
}

const DURATION_UNITS: ReadonlyArray<{ unit: string; ms: number; upTo: number }> = [
  { unit: "ms", ms: 1, upTo: 1_000 },
  { unit: "s", ms: 1_000, upTo: 60 },
  { unit: "min", ms: 60_000, upTo: 60 },
  { unit: "h", ms: 3_600_000, upTo: Infinity },
];

/**
 * A duration in human units: `850 ms`, `12.3 s`, `4.25 min`, `15.2 h` (whole milliseconds,
 * otherwise three significant digits). `n/a` for null.
 */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return NA;
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  for (const { unit, ms: size, upTo } of DURATION_UNITS) {
    const text = unit === "ms" ? String(Math.round(abs)) : significant(abs / size, 3);
    // Rounding can reach the next unit's threshold (59.99 s → "60 s"): then use the next unit.
    if (Number(text) < upTo) return `${sign}${text} ${unit}`;
  }
  return `${sign}${abs} ms`; // unreachable: the last unit has no upper bound
}

/**
 * Wei (a decimal string or bigint) as ETH, rounded to `digits` significant digits:
 * `0.001235 ETH`, `2 ETH`. `n/a` for null.
 */
export function formatEth(wei: string | bigint | null, digits = 4): string {
  if (wei === null) return NA;
  let value = typeof wei === "bigint" ? wei : BigInt(wei);
  const negative = value < 0n;
  if (negative) value = -value;
  const length = value.toString().length;
  if (length > digits) {
    const unit = 10n ** BigInt(length - digits);
    value = ((value + unit / 2n) / unit) * unit;
  }
  const text = formatEther(value).replace(/\.0$/, "");
  return `${negative ? "-" : ""}${text} ETH`;
}

/** An integer (number or decimal string) with thousands separators: `1,234,567`. */
export function formatCount(value: number | string | null): string {
  if (value === null) return NA;
  const text = typeof value === "number" ? String(Math.round(value)) : value;
  const negative = text.startsWith("-");
  const digits = negative ? text.slice(1) : text;
  return `${negative ? "-" : ""}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}`;
}

/** US dollars to four significant figures (at least cents): `$4.96`, `$0.01472`, `$1,234`. */
export function formatUsd(usd: number | null): string {
  if (usd === null || !Number.isFinite(usd)) return NA;
  const sign = usd < 0 ? "-" : "";
  const abs = Math.abs(usd);
  if (abs >= 1_000) return `${sign}$${formatCount(Math.round(abs))}`;
  if (abs === 0) return "$0";
  return `${sign}$${abs >= 0.01 ? abs.toFixed(2) : abs.toPrecision(4)}`;
}

/** A gas price in gwei to three significant figures; a negative one means no gas price makes the market cheaper. */
export function formatGwei(gwei: number | null): string {
  if (gwei === null || !Number.isFinite(gwei)) return NA;
  if (gwei < 0) return "never";
  return `${gwei >= 100 ? formatCount(Math.round(gwei)) : gwei.toPrecision(3)} gwei`;
}

/** A share in [0, 1] as a percentage with one decimal: `95.3%`. */
export function formatPercent(share: number | null): string {
  if (share === null || !Number.isFinite(share)) return NA;
  return `${(share * 100).toFixed(1)}%`;
}

/** A party's gas over the completed tasks, as gas per completed task is; null off chain. */
function partyGasPerCompletedTask(m: SystemMetrics, party: Party): string | null {
  const gas = m.gasByParty?.[party].gas;
  return gas === undefined || m.tasksCompleted === 0 ? null : (BigInt(gas) / BigInt(m.tasksCompleted)).toString();
}

const REROUTE_LABELS = { deadlineMissed: "missed deadline", abandoned: "abandoned", failover: "failover" } as const;

const ROWS: ReadonlyArray<{ label: string; cell: (m: SystemMetrics, e: SystemEconomics, run: RunMetrics, system: SystemKey) => string }> = [
  { label: "tasks posted", cell: (m) => formatCount(m.tasksPosted) },
  { label: "completed", cell: (m) => formatCount(m.tasksCompleted) },
  { label: "refunded", cell: (m) => formatCount(m.tasksRefunded) },
  { label: "unfinished", cell: (m) => formatCount(m.tasksUnfinished) },
  { label: "completion rate", cell: (m) => formatPercent(m.completionRate) },
  { label: "on time", cell: (m) => formatPercent(m.onTimeRate) },
  { label: "latency p50", cell: (m) => formatDuration(m.latencyMs.p50) },
  { label: "latency p95", cell: (m) => formatDuration(m.latencyMs.p95) },
  { label: "latency p99", cell: (m) => formatDuration(m.latencyMs.p99) },
  { label: "price per completed task", cell: (m) => formatEth(m.pricePerCompletedTaskWei) },
  { label: "price per on-time task", cell: (m) => formatEth(m.pricePerOnTimeTaskWei) },
  // In USD at the scenario's chain costs, the posters' own gas included (docs/pricing.md).
  { label: "cost per completed task", cell: (_m, e) => formatUsd(e.costPerCompletedTaskUsd) },
  { label: "cost per on-time task", cell: (_m, e) => formatUsd(e.costPerOnTimeTaskUsd) },
  { label: "  reserved, left idle", cell: (m, e) => formatUsd(e.reservedIdleUsd === null || m.tasksCompleted === 0 ? null : e.reservedIdleUsd / m.tasksCompleted) },
  { label: "compute lost", cell: (m) => `${formatCount(m.computeSecondsLost)} s` },
  { label: "reroutes", cell: (m) => formatCount(m.reroutes) },
  // Missed deadlines and voluntary abandons are different failures: a reader must not take one for the other.
  ...REROUTE_REASONS.map((reason) => ({ label: `  ${REROUTE_LABELS[reason]}`, cell: (m: SystemMetrics) => formatCount(m.reroutesByReason[reason]) })),
  { label: "re-auctions", cell: (m) => formatCount(m.reauctions) },
  { label: "slashes", cell: (m) => formatCount(m.slashes) },
  { label: "gas per completed task", cell: (m) => formatCount(m.gasPerCompletedTask) },
  // Who sends the transactions pays their gas: the split says whose costs the market's gas is.
  ...PARTIES.map((party) => ({ label: `  sent by ${party}`, cell: (m: SystemMetrics) => formatCount(partyGasPerCompletedTask(m, party)) })),
  { label: "  all parties, in USD", cell: (m, e) => formatUsd(e.gasCostUsd === null || m.tasksCompleted === 0 ? null : e.gasCostUsd.total / m.tasksCompleted) },
  { label: "break-even (centralized)", cell: (_m, _e, run, system) => (system === "market" ? formatGwei(run.economics.breakEvenGasPriceGwei.centralized) : NA) },
  { label: "break-even (multi-cloud)", cell: (_m, _e, run, system) => (system === "market" ? formatGwei(run.economics.breakEvenGasPriceGwei.multiCloud) : NA) },
];

/** The column headers, in the order of `ComparisonRow.values`. */
export const COMPARISON_COLUMNS: readonly string[] = SYSTEM_KEYS.map((key) => SYSTEM_LABELS[key]);

/** The comparison as rows of formatted cells, shared by the terminal table and the HTML report. */
export function comparisonRows(metrics: RunMetrics): ComparisonRow[] {
  return ROWS.map(({ label, cell }) => ({
    label,
    values: SYSTEM_KEYS.map((key) => cell(metrics.systems[key], metrics.economics.systems[key], metrics, key)) as [string, string, string],
  }));
}

/**
 * The comparison as a plain-text table for the terminal: one column per system, labels
 * left-aligned, values right-aligned, no colours.
 */
export function formatComparisonTable(metrics: RunMetrics): string {
  const rows = comparisonRows(metrics);
  const labelWidth = Math.max(0, ...rows.map((r) => r.label.length));
  const widths = COMPARISON_COLUMNS.map((header, i) => Math.max(header.length, ...rows.map((r) => r.values[i]!.length)));
  const line = (label: string, cells: readonly string[]): string =>
    [label.padEnd(labelWidth), ...cells.map((c, i) => c.padStart(widths[i]!))].join("  ").trimEnd();
  const rule = "-".repeat(labelWidth + widths.reduce((s, w) => s + 2 + w, 0));
  return [line("", COMPARISON_COLUMNS), rule, ...rows.map((r) => line(r.label, r.values))].join("\n");
}

/** The line under the table that says what its USD figures assume. */
export function formatChainCostNote(metrics: RunMetrics): string {
  const c = metrics.economics.chain;
  const fee = c.l1DataFeeUsdPerTx > 0 ? `, L1 data $${c.l1DataFeeUsdPerTx} a transaction` : "";
  const gas = metrics.systems.market.gasUsed === null ? " (the memory ledger measures no gas: costs leave it out)" : "";
  return `USD at the ${c.preset} preset: gas ${c.gasPriceGwei} gwei, ETH $${formatCount(c.ethUsd)}${fee}${gas}; break-even: the gas price at which the market's cost per completed task meets the baseline's (docs/pricing.md)`;
}
