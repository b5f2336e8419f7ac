// Answers the reads of a done run from its files (results-folder.ts), streamed: a run's metrics
// can be hundreds of megabytes, and neither parsing them nor JSON.stringify-ing them on the
// server's event loop is acceptable (health must keep answering meanwhile).
import type { Response } from "express";
import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { SimulationSummaryJson } from "../simulation-schemas.js";

/**
 * Sends `{...run, "metrics": <metrics.json>}`: the same bytes `res.json({ ...run, metrics })`
 * would send, without ever holding the metrics in the heap. Closes `metrics`.
 */
export async function sendRunWithMetrics(res: Response, run: SimulationSummaryJson, metrics: FileHandle): Promise<void> {
  // The summary is a small object: its JSON without the closing brace, then the metrics' field.
  const head = `${JSON.stringify(run).slice(0, -1)},"metrics":`;
  const tail = "}";
  const { size } = await metrics.stat();
  res.status(200).type("application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(head) + size + Buffer.byteLength(tail));
  await send(res, metrics, head, tail);
}

/** Opens a result file to send; one removed since the lookup (its job forgotten) throws `missing()` instead. */
export async function openResultFile(path: string, missing: () => Error): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw missing();
    throw error;
  }
}

/** Sends a run's report.html with its own Content-Security-Policy. Closes `report`. */
export async function sendReport(res: Response, report: FileHandle, csp: string): Promise<void> {
  await sendFile(res, report, "text/html; charset=utf-8", { "Content-Security-Policy": csp });
}

/** Sends a whole file as it is, with its type and any extra headers. Closes `file`. */
export async function sendFile(res: Response, file: FileHandle, contentType: string, headers: Record<string, string> = {}): Promise<void> {
  const { size } = await file.stat();
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(200).type(contentType);
  res.setHeader("Content-Length", size);
  await send(res, file, "", "");
}

async function send(res: Response, file: FileHandle, head: string, tail: string): Promise<void> {
  async function* body(): AsyncGenerator<Buffer | string> {
    if (head !== "") yield head;
    yield* file.createReadStream({ autoClose: false });
    if (tail !== "") yield tail;
  }
  try {
    await pipeline(Readable.from(body(), { objectMode: false }), res);
  } catch {
    // The client went away, or the file could not be read midway: the response is cut short
    // (its Content-Length tells the client so); nothing to answer any more.
    res.destroy();
  } finally {
    await file.close();
  }
}
