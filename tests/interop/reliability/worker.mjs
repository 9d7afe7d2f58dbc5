// A child process of run.mjs holding a share of the chat clients (one Node process keeps a few
// hundred socket.io-client connections busy without falling behind). Driven over the IPC channel:
//   ← {type: "init", clients: [{user, token, rooms, urlIndex}], urls, config, seed}   → {type: "ready"}
//   ← {type: "load"}                                   clients send and inflict chaos
//   ← {type: "drain", timeoutMs}                        → {type: "drained", ok}
//   ← {type: "freeze"}                                  no more sends; → {type: "frozen"} when none is in flight
//   ← {type: "verify", history: {roomId: [ids]}}        → {type: "result", ...}
//   ← {type: "stop"}                                    closes every connection and exits
// and every few seconds → {type: "status", connected, ready, pending, stats}.
import { ChatClient, seededRandom, sleep } from "./chat-client.mjs";

/** @type {ChatClient[]} */
let clients = [];
let statusTimer = null;

const send = (message) => process.send?.(message);

function sumStats() {
  const total = {};
  for (const c of clients) {
    for (const [k, v] of Object.entries(c.stats)) {
      total[k] = (total[k] ?? 0) + v;
    }
  }

  return total;
}

function status() {
  return {
    type: "status",
    connected: clients.filter((c) => c.socket.connected).length,
    ready: clients.filter((c) => c.ready).length,
    pending: clients.reduce((n, c) => n + c.pending.size, 0),
    stats: sumStats(),
  };
}

async function init({ clients: specs, urls, config, seed }) {
  const random = seededRandom(seed);
  clients = specs.map((s) => new ChatClient({ ...s, urls, config, random }));

  // Connect in small batches: a thousand handshakes at once would only measure the backlog.
  const started = [];
  for (let i = 0; i < clients.length; i += config.connectBatch) {
    const batch = clients.slice(i, i + config.connectBatch).map((c) => c.start());
    started.push(...batch);
    await Promise.allSettled(batch);
  }

  const results = await Promise.allSettled(started);
  const failed = results.filter((r) => r.status === "rejected").map((r) => String(r.reason?.message ?? r.reason));
  statusTimer = setInterval(() => send(status()), 5_000);
  send({ type: "ready", failed });
}

async function drain({ timeoutMs }) {
  const results = await Promise.all(clients.map((c) => c.drain(timeoutMs)));
  send({ type: "drained", ok: results.every(Boolean), notDrained: results.filter((r) => !r).length });
}

async function freeze() {
  await Promise.all(clients.map((c) => c.freeze()));
  send({ type: "frozen", inflight: clients.reduce((n, c) => n + [...c.pending.values()].filter((p) => p.inflight).length, 0) });
}

function verify({ history }) {
  const violations = [];
  const samples = [];
  let missing = 0;
  let unknown = 0;
  let unjudged = 0;
  const acked = [];
  for (const c of clients) {
    violations.push(...c.violations);
    const v = c.verify(history);
    unjudged += v.judged ? 0 : 1;
    missing += v.missing;
    unknown += v.unknown;
    samples.push(...v.samples.slice(0, Math.max(0, 20 - samples.length)));
    for (const [clientMessageId, a] of c.acked) {
      acked.push([c.user.id, clientMessageId, a.id, a.roomId]);
    }
  }

  send({ type: "result", stats: sumStats(), violations, missing, unknown, unjudged, samples, acked });
}

async function stop() {
  clearInterval(statusTimer);
  for (const c of clients) {
    c.stop();
  }

  await sleep(100);
  process.exit(0);
}

process.on("message", (message) => {
  const run = {
    init: () => init(message),
    load: () => clients.forEach((c) => c.beginLoad()),
    drain: () => drain(message),
    freeze: () => freeze(),
    verify: () => verify(message),
    stop: () => stop(),
  }[message.type];
  Promise.resolve()
    .then(run)
    .catch((error) => send({ type: "error", message: String(error?.stack ?? error) }));
});

process.on("disconnect", () => process.exit(0));
