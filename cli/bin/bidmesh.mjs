#!/usr/bin/env node
// The `bidmesh` command: loads the TypeScript CLI through tsx, so no separate compile step.
import { register } from "tsx/esm/api";

register();
await import("../main.ts");
