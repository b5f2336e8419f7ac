// The dashboard's entry point: wires each panel, then opens the event stream that feeds them.
import { initExperiments } from "./experiments.js";
import { initFeed } from "./feed.js";
import { initHeader } from "./header.js";
import { initKpis } from "./kpis.js";
import { initLedger } from "./ledger.js";
import { initOutages } from "./outages.js";
import { initPostTask } from "./post-task.js";
import { initProviders } from "./providers.js";
import { initSimulations } from "./simulations.js";
import { connectStream } from "./stream.js";

initHeader();
initKpis();
initProviders();
initOutages();
initFeed();
initPostTask();
initLedger();
initSimulations();
initExperiments();
connectStream();
document.body.dataset.ready = "true";
