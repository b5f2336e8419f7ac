// Every request and response of the API as a zod schema. Requests are parsed with them at the
// edge (strict: an unknown field is a 400); the OpenAPI document is generated from the same
// schemas (server/openapi.ts), so the two cannot drift apart.
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { getAddress, isAddress } from "ethers";
import { z } from "zod";

extendZodWithOpenApi(z);

// ---------------------------------------------------------------- limits

/** Largest task size: a year of compute-seconds. */
export const MAX_SIZE_SECONDS = 31_536_000;
/** The contract's execution budget is a uint32 of seconds. */
export const MAX_DEADLINE_BUDGET = 2 ** 32 - 1;
/** Region codes are bytes16 on chain. */
export const MAX_REGION_BYTES = 16;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

// ---------------------------------------------------------------- building blocks

/** An ETH amount in a request: a decimal string, up to 10 integer digits and 18 decimals, above 0. */
const EthAmount = z
  .string({ error: 'expected an amount in ETH as a decimal string, like "0.002"' })
  .regex(/^\d{1,10}(?:\.\d{1,18})?$/, 'expected an amount in ETH as a decimal string, like "0.002" (at most 10 integer digits and 18 decimals)')
  .refine((value) => /[1-9]/.test(value), "must be more than 0 ETH")
  .openapi({ description: "ETH, as a decimal string (at most 18 decimals)", example: "0.01" });

/** An amount in a response: wei as a decimal string. */
export const Wei = z.string().regex(/^-?\d+$/).openapi({ description: "wei, as a decimal string", example: "10000000000000000" });

export const AddressOut = z.string().regex(/^0x[0-9a-fA-F]{40}$/).openapi({ description: "a checksummed address", example: "0x5FbDB2315678afecb367f032d93F642f64180aa3" });

/** An address in a request (any case; a mixed-case one must carry a valid checksum); parsed to its checksummed form. */
const AddressIn = z
  .string()
  .refine((value) => isAddress(value), "expected an address: 0x and 40 hex digits (a mixed-case address must have a valid checksum)")
  .transform((value) => getAddress(value.toLowerCase()))
  .openapi({ type: "string", pattern: "^0x[0-9a-fA-F]{40}$", example: "0x5FbDB2315678afecb367f032d93F642f64180aa3" });

/** A whole number in a query string or path. */
export function wholeNumber(min: number, max: number, description: string) {
  return z
    .string()
    .regex(/^\d{1,16}$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .openapi({ type: "integer", minimum: min, maximum: max, description });
}

const TaskIdIn = wholeNumber(1, Number.MAX_SAFE_INTEGER, "a task id (from 1)");
const BlockIn = (description: string) => wholeNumber(0, Number.MAX_SAFE_INTEGER, description);

const Paging = {
  page: wholeNumber(1, 1_000_000, "page number, from 1 (default 1)").optional().default(1),
  pageSize: wholeNumber(1, MAX_PAGE_SIZE, `items per page (default ${DEFAULT_PAGE_SIZE})`).optional().default(DEFAULT_PAGE_SIZE),
};

const BlockRange = {
  fromBlock: BlockIn("first block, inclusive").optional(),
  toBlock: BlockIn("last block, inclusive").optional(),
};

function blockRangeOrdered(value: { fromBlock?: number; toBlock?: number }, ctx: z.RefinementCtx): void {
  if (value.fromBlock !== undefined && value.toBlock !== undefined && value.fromBlock > value.toBlock) {
    ctx.addIssue({ code: "custom", path: ["toBlock"], message: `must not be below fromBlock (${value.fromBlock})` });
  }
}

export const MechanismParam = z.enum(["first-price", "second-price"]).openapi("Mechanism", {
  description: "first-price: the lowest bid wins and is paid its bid; second-price: the lowest bid wins and is paid the next-best price",
});
export type MechanismParam = z.infer<typeof MechanismParam>;

export const TaskStatusParam = z.enum(["open", "awarded", "completed", "refunded"]).openapi("TaskStatus");
export type TaskStatusParam = z.infer<typeof TaskStatusParam>;

export const MARKET_EVENT_NAMES = [
  "ProviderRegistered",
  "StakeAdded",
  "CapacityUpdated",
  "StakeWithdrawalRequested",
  "StakeWithdrawn",
  "TaskPosted",
  "BidPlaced",
  "TaskAwarded",
  "FallbackSkipped",
  "TaskRerouted",
  "ProviderSlashed",
  "TaskReopened",
  "ResultSubmitted",
  "TaskRefunded",
  "Withdrawn",
] as const;

// ---------------------------------------------------------------- requests

/** A region or dependency name: non-empty, at most `maxBytes` of UTF-8, no control characters. */
export function NameIn(typeError: string, emptyError: string, maxBytes: number = MAX_REGION_BYTES) {
  return z
    .string({ error: typeError })
    .min(1, emptyError)
    .refine((value) => Buffer.byteLength(value, "utf8") <= maxBytes, `must be at most ${maxBytes} bytes (UTF-8)`)
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), "must not contain control characters");
}

export const PostTaskRequest = z
  .strictObject({
    size: z
      .number({ error: "expected a number of compute-seconds" })
      .min(0.001, "must be at least 0.001 compute-seconds")
      .max(MAX_SIZE_SECONDS, `must be at most ${MAX_SIZE_SECONDS} compute-seconds (a year)`)
      .openapi({ description: "compute-seconds the task needs (resolution 1 ms)", example: 120 }),
    maxPrice: EthAmount,
    deadlineBudget: z
      .number({ error: "expected a whole number of seconds" })
      .int("expected a whole number of seconds")
      .min(1, "must be at least 1 second")
      .max(MAX_DEADLINE_BUDGET, `must be at most ${MAX_DEADLINE_BUDGET} seconds`)
      .openapi({ description: "seconds the winning provider gets to deliver", example: 600 }),
    region: NameIn('expected a region name or "any"', 'must not be empty: use "any" for any region').openapi({
      description: `"any", or the region providers must be in: one the market knows (its scenario's regions, or one a provider registered in); another answers 400 listing them`,
      example: "eu-west-1",
    }),
    mechanism: MechanismParam,
  })
  .openapi("PostTaskRequest");
export type PostTaskRequest = z.infer<typeof PostTaskRequest>;

export const NoQuery = z.strictObject({});

export const TaskListQuery = z.strictObject({
  status: TaskStatusParam.optional(),
  poster: AddressIn.optional().openapi({ description: "only tasks posted by this account" }),
  provider: AddressIn.optional().openapi({ description: "only tasks this provider bid on (every award follows a bid)" }),
  ...Paging,
});

export const TaskIdParams = z.strictObject({ id: TaskIdIn });

export const LedgerBidsQuery = z
  .strictObject({
    task: TaskIdIn.optional(),
    provider: AddressIn.optional().openapi({ description: "only this provider's bids" }),
    ...BlockRange,
    ...Paging,
  })
  .superRefine(blockRangeOrdered);

export const LedgerEventsQuery = z
  .strictObject({
    task: TaskIdIn.optional(),
    provider: AddressIn.optional().openapi({ description: "only events whose provider is this account" }),
    account: AddressIn.optional().openapi({ description: "only events naming this account in any role (provider, poster, payee, caller)" }),
    name: z.enum(MARKET_EVENT_NAMES).optional().openapi({ description: "only events of this name" }),
    ...BlockRange,
    ...Paging,
  })
  .superRefine(blockRangeOrdered);

export const ProviderListQuery = z.strictObject({ ...Paging });

export const AddressParams = z.strictObject({ address: AddressIn });

// ---------------------------------------------------------------- responses

export const ErrorResponse = z
  .object({
    error: z.string().openapi({ description: "what went wrong, or the contract's custom error name (409)" }),
    issues: z
      .array(
        z.object({
          in: z.enum(["body", "query", "path"]).optional(),
          path: z.string().openapi({ description: 'the field, dotted ("" for the whole input)' }),
          message: z.string(),
        }),
      )
      .optional()
      .openapi({ description: "400: every problem with the request, by field" }),
    args: z.record(z.string(), z.unknown()).optional().openapi({ description: "409: the custom error's arguments (numbers as decimal strings)" }),
    heldBy: z
      .array(
        z.object({
          outage: z.string().nullable().openapi({ description: "the outage window's id (GET /api/outages); null for a failure of the scenario's timeline" }),
          name: z.string(),
          start: z.number().nullable().openapi({ description: "virtual ms since the live market started; null when not known" }),
          end: z.number().nullable().openapi({ description: "virtual ms since the live market started; null when not known" }),
        }),
      )
      .optional()
      .openapi({ description: "409 of POST /api/providers/{address}/online: what still holds the provider offline" }),
  })
  .openapi("Error");
export type ErrorResponse = z.infer<typeof ErrorResponse>;

export const PostTaskResponse = z
  .object({
    taskId: z.number().int(),
    transactionHash: z.string(),
    blockNumber: z.number().int(),
  })
  .openapi("PostTaskResponse");

/** Beside every block number in a ledger answer (see annotate.ts). */
export const BlockTime = z
  .string()
  .nullable()
  .openapi({
    description: "the block's time: ISO 8601 UTC of its chain timestamp (on the live market, virtual time is this less the stream snapshot's chainTimeZero); null if the chain has no such block",
    example: "2026-12-04T02:00:00.000Z",
  });
/** Beside every provider address in a ledger answer. */
export const NodeName = z
  .string()
  .nullable()
  .openapi({ description: "the live market's name for this provider: its scenario group and index, as the simulator names nodes; null for any other address, or without a live market", example: "colo-use1#3" });
const blockTime = { blockTime: BlockTime };
const providerNode = { providerNode: NodeName };

export const TaskSummary = z
  .object({
    taskId: z.number().int(),
    status: TaskStatusParam,
    poster: AddressOut,
    maxPrice: Wei.openapi({ description: "the highest price, escrowed for the provider's payment: wei, as a decimal string", example: "10000000000000000" }),
    maxPriceEth: z.string().openapi({ description: "maxPrice in ETH, as a decimal string: the unit POST /api/tasks takes", example: "0.01" }),
    keeperReserve: Wei.openapi({
      description: "keeper reserve still escrowed on top of maxPrice, which pays keepers for closing and rerouting the task: wei, as a decimal string; 0 once the task ended (the rest went back to the poster)",
      example: "0",
    }),
    size: z.number().nullable().openapi({ description: "compute-seconds, for tasks posted through this API; null otherwise" }),
    region: z.string(),
    mechanism: MechanismParam,
    deadlineBudget: z.number().int().openapi({ description: "seconds an assignee gets (as posted)" }),
    bidWindowEnd: z.number().int().openapi({ description: "end of the first bid window: a chain timestamp, unix seconds" }),
    requirementsHash: z.string(),
    postedBlock: z.number().int(),
    postedTime: BlockTime,
    provider: AddressOut.nullable().openapi({ description: "the assignee while awarded, who delivered once completed; null otherwise" }),
    providerNode: NodeName,
    bidCount: z.number().int(),
    rerouteCount: z.number().int(),
  })
  .openapi("TaskSummary");
export type TaskSummaryJson = z.infer<typeof TaskSummary>;

export const LedgerEvent = z
  .object({
    name: z.string(),
    blockNumber: z.number().int(),
    blockTime: BlockTime.optional().openapi({ description: "the block's time (ISO 8601 UTC); in REST answers, not in the stream's events (its block message has the timestamp)" }),
    transactionHash: z.string(),
    logIndex: z.number().int(),
    taskId: z.number().int().nullable(),
    providerNode: NodeName.optional().openapi({ description: "the node name of the provider among the event's args; in REST answers, not in the stream's events" }),
    accounts: z.array(AddressOut),
    args: z.record(z.string(), z.unknown()).openapi({ description: "the event's parameters by name: amounts in wei as decimal strings, regions by name, enums by name" }),
  })
  .openapi("LedgerEvent");
export type LedgerEventJson = z.infer<typeof LedgerEvent>;

export const TaskDetail = TaskSummary.extend({
  bids: z.array(z.object({ provider: AddressOut, ...providerNode, price: Wei, round: z.number().int(), blockNumber: z.number().int(), ...blockTime })),
  awards: z.array(
    z.object({
      provider: AddressOut,
      ...providerNode,
      bidPrice: Wei,
      payment: Wei,
      epoch: z.number().int(),
      deadline: z.number().int().openapi({ description: "when the assignee must have delivered: a chain timestamp, unix seconds" }),
      blockNumber: z.number().int(),
      ...blockTime,
    }),
  ),
  skipped: z.array(z.object({ provider: AddressOut, ...providerNode, reason: z.string(), blockNumber: z.number().int(), ...blockTime })),
  reroutes: z.array(
    z.object({
      provider: AddressOut,
      ...providerNode,
      epoch: z.number().int(),
      reason: z.string(),
      caller: AddressOut,
      slashed: Wei,
      blockNumber: z.number().int(),
      ...blockTime,
    }),
  ),
  reopens: z.array(
    z.object({
      round: z.number().int(),
      bidWindowEnd: z.number().int().openapi({ description: "end of the new bid window: a chain timestamp, unix seconds" }),
      blockNumber: z.number().int(),
      ...blockTime,
    }),
  ),
  result: z
    .object({
      provider: AddressOut,
      ...providerNode,
      epoch: z.number().int(),
      resultHash: z.string(),
      payment: Wei,
      posterRefund: Wei,
      blockNumber: z.number().int(),
      ...blockTime,
    })
    .nullable(),
  refund: z.object({ amount: Wei, reason: z.string(), blockNumber: z.number().int(), ...blockTime }).nullable(),
  events: z.array(LedgerEvent),
}).openapi("TaskDetail");
export type TaskDetailJson = z.infer<typeof TaskDetail>;

export const LedgerBid = z
  .object({
    taskId: z.number().int(),
    provider: AddressOut,
    ...providerNode,
    price: Wei,
    round: z.number().int(),
    blockNumber: z.number().int(),
    ...blockTime,
    transactionHash: z.string(),
    logIndex: z.number().int(),
  })
  .openapi("LedgerBid");
export type LedgerBidJson = z.infer<typeof LedgerBid>;

export const ProviderSummary = z
  .object({
    address: AddressOut,
    node: NodeName,
    region: z.string(),
    capacity: z.number().int().openapi({ description: "concurrent tasks it takes" }),
    stake: Wei,
    unbonding: Wei,
    registeredBlock: z.number().int(),
    registeredTime: BlockTime,
    slashes: z.object({ count: z.number().int(), total: Wei }),
    tasks: z.object({
      bids: z.number().int(),
      won: z.number().int().openapi({ description: "awards, first or by reroute" }),
      completed: z.number().int(),
      failed: z.number().int().openapi({ description: "assignments rerouted away: deadline missed or abandoned" }),
    }),
  })
  .openapi("ProviderSummary");
export type ProviderSummaryJson = z.infer<typeof ProviderSummary>;

const TaskPayment = z.object({ taskId: z.number().int(), epoch: z.number().int(), payment: Wei, blockNumber: z.number().int(), ...blockTime });

export const ProviderDetail = ProviderSummary.extend({
  online: z.boolean().nullable().openapi({ description: "whether the live market's simulated provider is online; null when no live market runs or the address is not one of its providers" }),
  history: z.object({
    wins: z.array(TaskPayment),
    completions: z.array(TaskPayment),
    failures: z.array(z.object({ taskId: z.number().int(), epoch: z.number().int(), reason: z.string(), blockNumber: z.number().int(), ...blockTime })),
    slashes: z.array(z.object({ taskId: z.number().int(), amount: Wei, blockNumber: z.number().int(), ...blockTime })),
  }),
}).openapi("ProviderDetail");
export type ProviderDetailJson = z.infer<typeof ProviderDetail>;

/** A page of `item`s. */
export function pagedOf<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      page: z.number().int(),
      pageSize: z.number().int(),
      total: z.number().int().openapi({ description: "items matching the filters, over all pages" }),
      items: z.array(item),
    })
    .openapi(name);
}
export interface Paged<T> {
  page: number;
  pageSize: number;
  total: number;
  items: T[];
}

export const TaskPage = pagedOf(TaskSummary, "TaskPage");
export const BidPage = pagedOf(LedgerBid, "LedgerBidPage");
export const EventPage = pagedOf(LedgerEvent, "LedgerEventPage");
export const ProviderPage = pagedOf(ProviderSummary, "ProviderPage");

export const HealthResponse = z
  .object({
    status: z.enum(["ok", "unavailable"]),
    chain: z.object({
      reachable: z.boolean(),
      kind: z.enum(["embedded", "rpc"]),
      chainId: z.string(),
      blockNumber: z.number().int().nullable(),
      timeoutMs: z.number().int().openapi({ description: "milliseconds a request's chain work may take before it answers 503 (serve --chain-timeout)" }),
    }),
    market: z.object({
      address: AddressOut,
      deployBlock: z.number().int(),
      live: z.boolean().openapi({ description: "a live market (a scenario's providers) runs behind the API" }),
      running: z.boolean().openapi({ description: "the live market is stepping (state running)" }),
      state: z.enum(["running", "stalled", "reconnecting", "ended", "stopped"]).nullable().openapi({
        description:
          "the live market: running; stalled (the chain stopped answering mid-block: it carries on when the chain does); reconnecting (a block failed on the chain: it resumes from the chain's state once the chain answers, retrying with backoff); ended (it has no further event); stopped (shut down, or stopped by an error). See reason. Null without a live market",
      }),
      reason: z.string().nullable().openapi({ description: "why the live market is not running (stalled, reconnecting, ended or stopped); null while it runs" }),
      reconnects: z.number().int().nullable().openapi({ description: "times the live market resumed from the chain after losing it; null without one" }),
      workload: z
        .object({
          repeats: z.boolean().openapi({ description: "the scenario's workload repeats past its duration, period after period, drawn from the seed; false when the workload is off (API tasks only)" }),
          period: z.number().int().nullable().openapi({ description: "the period virtual time is in, from 0 (the scenario's own workload; a resumed session starts again at 0); null when the workload is off" }),
          periodMs: z.number().int().openapi({ description: "one period: the scenario's duration, virtual ms" }),
        })
        .nullable()
        .openapi({ description: "the live market's workload; null without a live market" }),
      scenario: z.string().nullable(),
      virtualTime: z.number().int().nullable().openapi({ description: "virtual ms since the live market started (its session: a resume from the chain starts again at 0)" }),
      speed: z.number().nullable().openapi({ description: "virtual seconds per real second" }),
      error: z.string().nullable().openapi({ description: "why the live market stopped or is reconnecting, if an error did that" }),
    }),
  })
  .openapi("Health");

export const ProviderOnlineResponse = z
  .object({ address: AddressOut, online: z.boolean() })
  .openapi("ProviderOnline");

export const OpenApiDocument = z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }) }).loose().openapi("OpenApiDocument");

export const HtmlPage = z.string().openapi({ description: "An HTML document" });
export const MetricsText = z.string().openapi({ description: "Prometheus text exposition format" });
