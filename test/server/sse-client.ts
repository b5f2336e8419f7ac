// A minimal server-sent-events reader for tests: fetches a stream and yields its events parsed.
export interface SseEvent {
  event: string;
  data: unknown;
}

export interface SseStream {
  /** The next event that matches `match`, skipping others; fails after `timeoutMs`. */
  next(match?: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Whether the server ended the stream. */
  ended(): Promise<boolean>;
  close(): void;
}

export async function openSse(url: string): Promise<{ status: number; contentType: string | null; stream: SseStream }> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal, headers: { Accept: "text/event-stream" } });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const queue: SseEvent[] = [];
  let buffer = "";
  let done = false;

  /** Reads more of the body into the queue; false at the end of the stream. */
  const pull = async (): Promise<boolean> => {
    const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (chunk.done) {
      done = true;
      return false;
    }
    buffer += chunk.value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
      const data = lines.find((l) => l.startsWith("data: "))?.slice(6);
      if (event !== undefined && data !== undefined) queue.push({ event, data: JSON.parse(data) as unknown });
    }
    return true;
  };

  const stream: SseStream = {
    async next(match = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = queue.findIndex(match);
        if (index >= 0) return queue.splice(0, index + 1).at(-1)!;
        queue.length = 0;
        if (done) throw new Error("the stream ended before the expected event");
        if (Date.now() > deadline) throw new Error(`no matching event in ${timeoutMs} ms`);
        const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), Math.max(1, deadline - Date.now())));
        await Promise.race([pull(), timer]);
      }
    },
    async ended() {
      while (!done) await pull();
      return true;
    },
    close() {
      abort.abort();
    },
  };
  return { status: res.status, contentType: res.headers.get("content-type"), stream };
}
