// The schema of GET /api/kpis (and the stream's `kpis` event): documents live-kpis.ts's KpisJson.
import { z } from "zod";
import { Wei } from "../schemas.js";

const Share = (what: string) => z.number().min(0).max(1).nullable().openapi({ description: `${what}, 0 to 1; null before any task is decided` });

const MarketFigures = z.object({
  tasksPosted: z.number().int(),
  tasksCompleted: z.number().int(),
  tasksRefunded: z.number().int(),
  tasksDecided: z.number().int().openapi({ description: "completed within the deadline, or past it: the shares' denominator" }),
  onTimeShare: Share("decided tasks completed within the deadline"),
  completionShare: Share("decided tasks completed"),
  latencyP95Seconds: z.number().nullable().openapi({ description: "95th percentile of post-to-result latency, virtual seconds (to within 1%)" }),
  pricePerTaskWei: Wei.nullable().openapi({ description: "mean payment per completed task, wei" }),
  pricePerTaskEth: z.number().nullable().openapi({ description: "the same in ETH" }),
  reroutes: z.number().int(),
});

const Baseline = z.object({
  tasksPosted: z.number().int(),
  onTimeShare: z.number().openapi({ description: "tasks completed within the deadline, over the workload" }),
  completionShare: z.number(),
  latencyP95Seconds: z.number().nullable(),
  pricePerTaskWei: Wei.nullable(),
  pricePerTaskEth: z.number().nullable(),
  reroutes: z.number().int(),
});

export const KpiBucket = z.object({
  start: z.number().int().openapi({ description: "virtual ms of the bucket's start" }),
  posted: z.number().int(),
  completed: z.number().int(),
  onTime: z.number().int().openapi({ description: "tasks decided on time in this bucket" }),
  late: z.number().int().openapi({ description: "tasks that passed their deadline unfinished (or were refunded) in this bucket" }),
  onTimeShare: z.number().nullable(),
  latencyP95Seconds: z.number().nullable(),
  pricePerTaskEth: z.number().nullable(),
  reroutes: z.number().int(),
});

export const KpisResponse = z
  .object({
    now: z.number().int().openapi({ description: "virtual ms of the latest block folded" }),
    deadlineSeconds: z.number().openapi({ description: "a task is on time when its result lands within this many virtual seconds of its post (the scenario's workload.deadline)" }),
    bucketMs: z.number().int().openapi({ description: "virtual ms per bucket of the series" }),
    market: MarketFigures.openapi({ description: "the live market since it started: every task it posted, the workload's and the API's" }),
    series: z.array(KpiBucket).openapi({ description: "oldest first, the last 120 buckets at most; the last is still filling" }),
    baselines: z
      .object({ centralized: Baseline, multiCloud: Baseline })
      .nullable()
      .openapi({ description: "the baselines on the scenario's workload (its first period) and failure timeline, as `bidmesh simulate` runs them; null when the workload is off" }),
  })
  .openapi("Kpis");
