// Node benchmark server: socket.io 4.8 with the scenario control every bench server implements.
//   /socket.io/            Socket.IO: auth {"room":"r3"} joins room r3; "echo" answers its ack with its argument
//   GET /bench/stats       {"pid","clients","heap"}  (?gc=1 runs global.gc() first; start node with --expose-gc)
//   GET /bench/broadcast?rooms=r0,r1&rate=B&duration=MS&size=N   starts the broadcast driver
//   GET /bench/broadcast/status  {"running","sent"}
// Usage: node --expose-gc server.js PORT [ws|eiows] [REDIS_URL]
//   REDIS_URL (redis://host:port): join a cluster through @socket.io/redis-adapter 8.3 and the redis client (scenario S5)
"use strict";
const path = require("path");
const { createRequire } = require("module");
const req = createRequire(path.join(__dirname, "../../node/package.json"));
const http = require("http");
const { Server } = req("socket.io");

const port = Number(process.argv[2] || 3200);
const engine = process.argv[3] || "ws";
const redisUrl = process.argv[4];

const driver = { running: false, sent: 0 };
const nowUs = () => Number(process.hrtime.bigint() / 1000n); // CLOCK_MONOTONIC, like .NET's Stopwatch

function json(res, body) {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

const httpServer = http.createServer((request, res) => {
  const url = new URL(request.url, "http://localhost");
  if (url.pathname === "/bench/stats") {
    if (url.searchParams.has("gc") && global.gc) { global.gc(); global.gc(); }
    return json(res, { pid: process.pid, clients: io.engine.clientsCount, heap: process.memoryUsage().heapUsed });
  }
  if (url.pathname === "/bench/broadcast") {
    if (driver.running) return json(res, { ok: false });
    const rooms = url.searchParams.get("rooms").split(",").filter(Boolean);
    const rate = Number(url.searchParams.get("rate"));
    const duration = Number(url.searchParams.get("duration"));
    const pad = "x".repeat(Number(url.searchParams.get("size")));
    startDriver(rate, duration, (i, ts) => io.to(rooms[i % rooms.length]).emit("tick", ts, pad));
    return json(res, { ok: true });
  }
  if (url.pathname === "/bench/broadcast/status") {
    return json(res, { running: driver.running, sent: driver.sent });
  }
  if (!url.pathname.startsWith("/socket.io/")) {
    res.writeHead(404);
    res.end();
  }
});

const options = {
  perMessageDeflate: false,
  pingInterval: 25000,
  pingTimeout: 20000,
  maxHttpBufferSize: 1e6,
  serveClient: false,
};
if (engine === "eiows") options.wsEngine = createRequire(path.join(__dirname, "../../node/eiows/package.json"))("eiows").Server;
const io = new Server(httpServer, options);

async function useRedis(url) {
  const { createClient } = req("redis");
  const { createAdapter } = req("@socket.io/redis-adapter");
  const pub = createClient({ url });
  const sub = pub.duplicate();
  pub.on("error", (err) => console.error("redis pub:", err.message));
  sub.on("error", (err) => console.error("redis sub:", err.message));
  await Promise.all([pub.connect(), sub.connect()]);
  // Defaults, as in the Synapse peer: classic pub/sub, key "socket.io".
  io.adapter(createAdapter(pub, sub));
}

io.on("connection", (socket) => {
  socket.on("echo", (data, ack) => ack(data));
  const room = socket.handshake.auth && socket.handshake.auth.room;
  if (room) socket.join(room);
});

// Open-loop broadcaster: broadcast i is due at t0 + i/rate; each tick emits everything due, stamped
// with its due time, so a server that falls behind shows it as delivery latency.
function startDriver(rate, durationMs, emit) {
  driver.running = true;
  driver.sent = 0;
  const t0 = nowUs();
  const total = Math.floor((rate * durationMs) / 1000);
  let i = 0;
  const tick = () => {
    const elapsed = nowUs() - t0;
    const due = Math.min(total, Math.floor((elapsed * rate) / 1e6) + 1);
    for (; i < due; i++) {
      emit(i, t0 + Math.floor((i * 1e6) / rate));
      driver.sent++;
    }
    if (i < total) setTimeout(tick, 1);
    else driver.running = false;
  };
  tick();
}

// Listen (the harness polls /bench/stats for readiness) only once the adapter is connected.
(redisUrl ? useRedis(redisUrl) : Promise.resolve()).then(
  () => httpServer.listen(port, "127.0.0.1"),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
