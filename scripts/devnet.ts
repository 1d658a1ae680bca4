// The devnet: several real `cairn start` processes on 127.0.0.1 that find each other, mine, and keep one
// ledger with no node in charge. `npm start` runs `up` with the defaults; the other commands act on the
// running devnet from another terminal:
//
//   npm run devnet -- up [--nodes 3] [--miners 2] [--base-port 8645] [--fresh] [--regtest]
//   npm run devnet -- status [--json] [--wait SECONDS] [--expect agree|split]
//   npm run devnet -- partition node0,node1 node2      (or by index: 0,1 2)
//   npm run devnet -- heal
//   npm run devnet -- stop N | start N | kill N
//   npm run devnet -- load --tps R --seconds S
//   npm run devnet -- send --from dev0 --to dev1 --amount 1.5 [--node 2]
//   npm run devnet -- link 0-1 --delay 200ms [--jitter 20ms] [--bandwidth 1mbit] [--loss 2%] | --clear
//   npm run devnet -- down                              (stop it, or clean up after a crashed supervisor)
//   npm run devnet -- attack double-spend | fake-chain | timestamp | selfish-mining   (docs/ATTACKS.md)
//
// `up --miners 0:60,1:40` gives miners shares of the hash power (a seeded lottery picks each block's
// finder, shares.ts).
// `up --hosts` (Linux, root) puts each node on a host of its own: a network namespace with its own address
// on a LAN the devnet builds; `partition` then cuts links and `link` shapes them (host-network.ts).
//
// Environment: CAIRN_DEVNET_DIR (default ./.devnet) and CAIRN_DEVNET_BASE_PORT (default 8645) let tests
// run a devnet beside a real one.
// Layout: .devnet/devnet.json (the nodes, their ports, the supervisor), .devnet/nodeN/ (each node's datadir,
// with node.json and node.log). The `up` process is the supervisor: it owns the node processes and serves,
// on a loopback-only port after the nodes' (8651 by default), the controls the other commands use, one
// merged stream of every node's events and the dashboard (scripts/devnet/control-server.ts).
//
// The pieces live in scripts/devnet/: cli.ts (these commands), up.ts, supervisor.ts (the processes),
// control-server.ts and event-hub.ts (the aggregator), status.ts, partition.ts, load.ts, state.ts; host
// mode: host-network.ts, netns.ts, host-agent.ts, shaping-relay.ts, link-shape.ts, links.ts; hash-power
// shares: shares.ts; the attack scenarios: attack/ (one file per scenario, the devnet they run on in net.ts).
import '../src/polyfill.js';
import { devnetProgram } from './devnet/cli.js';

await devnetProgram().parseAsync(process.argv);
