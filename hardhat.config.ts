import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatTypechain from "@nomicfoundation/hardhat-typechain";

// Solidity is compiled by the solc package in node_modules, never by a
// downloaded compiler: these machines (and many users') have no route to the
// compiler list. `version` must match the installed solc package exactly.
const soljson = createRequire(import.meta.url).resolve("solc/soljson.js");

export default defineConfig({
  plugins: [hardhatEthers, hardhatTypechain],
  solidity: {
    version: "0.8.30",
    path: soljson,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
    },
  },
  networks: {
    // The embedded chain. Automine stays on for tests; the simulator turns it
    // off and mines blocks at virtual timestamps itself.
    default: {
      type: "edr-simulated",
      chainType: "l1",
      // A fixed genesis date (the AWS us-east-1 outage day) and blocks mined at explicit
      // timestamps make every block hash reproducible from run to run.
      initialDate: "2025-10-20T00:00:00Z",
      allowBlocksWithSameTimestamp: true,
      // The simulator packs a block interval's worth of market actions into one block and
      // sends them with explicit fees: a zero base fee never rises, and a large gas limit keeps
      // every action of a busy block in that block.
      initialBaseFeePerGas: 0,
      blockGasLimit: 10_000_000_000,
      // Unlocked dev accounts: posters, providers and the keeper of a run.
      accounts: { count: 64 },
    },
  },
});
