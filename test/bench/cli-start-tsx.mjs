// The CLI as the bin started it before it was compiled (and as it still starts while build/ is
// stale): tsx compiles cli/main.ts and everything it imports at start. The baseline of
// cli-start.bench.ts.
import { register } from "tsx/esm/api";

register();
await import("../../cli/main.ts");
