// The reliability runs of the Synapse server (scripts/soak, scripts/chaos, and their short versions
// in tests/Synapse.Server.Tests/Reliability): starts the real server (one node, or two on one
// redis-server and one PostgreSQL for chaos), registers users over the REST API, puts N official
// socket.io-client clients (in worker processes) in shared rooms to chat with random disconnects,
// then checks that no acknowledged message was lost or duplicated and that memory stayed flat.
//
//   node run.mjs --server-dll <Synapse.Server.dll> [--mode soak|chaos] [--clients 1000] [--duration 10m] ...
//
// (see usage() for every option). Prints progress and a summary; the last line is
// `RESULT {json}`. Exit code: 0 all checks passed, 1 a check failed, 2 the run could not be set up.
import { fork, spawn, execFileSync } from "node:child_process";
import { createServer, connect } from "node:net";
import { mkdtempSync, rmSync, readFileSync, openSync, mkdirSync, existsSync, readdirSync, chmodSync } from "node:fs";
import { tmpdir, cpus, loadavg, totalmem } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { sleep } from "./chat-client.mjs";

const here = dirname(fileURLToPath(import.meta.url));

function usage() {
  return `usage: node run.mjs --server-dll <path> [options]
  --mode soak|chaos          one node (default) or two nodes, one killed with SIGKILL mid-run
  --clients N                chat clients (default 1000)
  --duration T               load phase, e.g. 600s, 10m (default 10m)
  --rooms-per-client N       rooms each client joins (default 2)
  --room-size N              average members per room (default 50)
  --send-interval T          mean time between two messages of one client (default 10s)
  --chaos-interval T         mean time between two disruptions of one client (default 60s; 0: none)
  --offline-max T            longest deliberate offline spell (default 5s)
  --clients-per-worker N     clients per Node process (default 250)
  --warmup T                 samples before this are not judged for memory (default: 20% of the duration, at least 20s)
  --sample-interval T        memory sampling period (default 5s)
  --heap-bound F,MIB         allowed managed-heap growth start→end: factor and MiB (default 1.25,32)
  --rss-bound F,MIB          allowed RSS growth start→end (default 1.25,64)
  --port P                   soak: the port (default: a free one)
  --kill-at F                chaos: when to kill node A, as a fraction of the duration (default 0.4)
  --redis-server PATH        chaos: redis-server (default: from PATH)
  --storage postgres|sqlite  chaos: the database both nodes share: a throwaway PostgreSQL cluster started
                             here (default; Synapse:Storage:Provider=Postgres), or one SQLite file in a shared data folder
  --pg-bin DIR               chaos, postgres: where initdb and postgres are (default: SYNAPSE_POSTGRES_BIN,
                             or the newest /usr/lib/postgresql/N/bin)
  --setting K=V              extra server setting (repeatable), e.g. Synapse:RateLimits:Messages:PermitLimit=20
  --seed N                   random seed (default: random)
  --keep-data                keep the temporary folder (data, logs)`;
}

// --- options ----------------------------------------------------------------------------------

function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (!m) {
    throw new Error(`not a duration: ${text}`);
  }

  return Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"];
}

function parseBound(text) {
  const [factor, mib] = String(text).split(",").map(Number);
  return { factor, bytes: mib * 1024 * 1024 };
}

function parseArgs(argv) {
  const o = {
    mode: "soak", clients: 1000, durationMs: 600_000, roomsPerClient: 2, roomSize: 50,
    sendIntervalMs: 10_000, chaosIntervalMs: 60_000, offlineMaxMs: 5_000, clientsPerWorker: 250,
    warmupMs: null, sampleIntervalMs: 5_000, heapBound: parseBound("1.25,32"), rssBound: parseBound("1.25,64"),
    port: 0, killAt: 0.4, storage: "postgres", redisServer: "redis-server", pgBin: null, settings: [], seed: null, keepData: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) {
        throw new Error(`${name} needs a value`);
      }

      return argv[++i];
    };
    switch (name) {
      case "--server-dll": o.serverDll = value(); break;
      case "--mode": o.mode = value(); break;
      case "--clients": o.clients = Number(value()); break;
      case "--duration": o.durationMs = parseDuration(value()); break;
      case "--rooms-per-client": o.roomsPerClient = Number(value()); break;
      case "--room-size": o.roomSize = Number(value()); break;
      case "--send-interval": o.sendIntervalMs = parseDuration(value()); break;
      case "--chaos-interval": o.chaosIntervalMs = parseDuration(value()); break;
      case "--offline-max": o.offlineMaxMs = parseDuration(value()); break;
      case "--clients-per-worker": o.clientsPerWorker = Number(value()); break;
      case "--warmup": o.warmupMs = parseDuration(value()); break;
      case "--sample-interval": o.sampleIntervalMs = parseDuration(value()); break;
      case "--heap-bound": o.heapBound = parseBound(value()); break;
      case "--rss-bound": o.rssBound = parseBound(value()); break;
      case "--port": o.port = Number(value()); break;
      case "--kill-at": o.killAt = Number(value()); break;
      case "--redis-server": o.redisServer = value(); break;
      case "--pg-bin": o.pgBin = value(); break;
      case "--storage": o.storage = value(); break;
      case "--setting": o.settings.push(value()); break;
      case "--seed": o.seed = Number(value()); break;
      case "--keep-data": o.keepData = true; break;
      case "--help": case "-h": console.log(usage()); process.exit(0); break;
      default: throw new Error(`unknown option ${name}`);
    }
  }

  if (!o.serverDll) {
    throw new Error("--server-dll is required");
  }

  if (!["sqlite", "postgres"].includes(o.storage)) {
    throw new Error(`--storage must be sqlite or postgres, not ${o.storage}`);
  }

  if (!["soak", "chaos"].includes(o.mode)) {
    throw new Error(`--mode must be soak or chaos, not ${o.mode}`);
  }

  if (!(o.clients >= 2) || !(o.roomsPerClient >= 1) || !(o.roomSize >= 2)) {
    throw new Error("--clients ≥ 2, --rooms-per-client ≥ 1, --room-size ≥ 2");
  }

  o.serverDll = resolve(o.serverDll);
  o.warmupMs ??= Math.max(20_000, o.durationMs * 0.2);
  o.seed ??= randomBytes(4).readUInt32LE(0);
  return o;
}

// --- processes --------------------------------------------------------------------------------

/** Everything started here, stopped in reverse order at the end (and on Ctrl-C). */
const cleanups = [];
const log = (text) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startProcess(name, command, args, logFile, options = {}, stopSignal = "SIGTERM") {
  const out = openSync(logFile, "a");
  const child = spawn(command, args, { stdio: ["ignore", out, out], ...options });
  const proc = { name, child, logFile, exited: false, killedOnPurpose: false, exitInfo: null };
  child.on("exit", (code, signal) => {
    proc.exited = true;
    proc.exitInfo = signal ? `signal ${signal}` : `code ${code}`;
  });
  cleanups.push(() => {
    if (!proc.exited) {
      child.kill(stopSignal);
    }
  });
  return proc;
}

function tail(file, lines = 20) {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

async function waitFor(what, check, timeoutMs, proc) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc?.exited) {
      throw new Error(`${proc.name} exited (${proc.exitInfo}) while waiting for ${what}:\n${tail(proc.logFile)}`);
    }

    try {
      if (await check()) {
        return;
      }
    } catch {
      // not yet
    }

    await sleep(250);
  }

  throw new Error(`${what}: not within ${timeoutMs} ms${proc ? `\n${tail(proc.logFile)}` : ""}`);
}

async function startRedis(o, dir) {
  const port = await freePort();
  const proc = startProcess("redis-server", o.redisServer, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], join(dir, "redis.log"));
  await waitFor("redis-server", () => redisPing(port), 20_000, proc);
  return { proc, connectionString: `127.0.0.1:${port}` };
}

function redisPing(port) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.setTimeout(1_000, () => socket.destroy());
    socket.on("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.on("error", () => resolve(false));
    socket.on("close", () => resolve(false));
  });
}

/** PostgreSQL's programs: --pg-bin, SYNAPSE_POSTGRES_BIN, or Debian's newest /usr/lib/postgresql/N/bin. */
function postgresBin(o) {
  const configured = o.pgBin ?? process.env.SYNAPSE_POSTGRES_BIN;
  if (configured) {
    return configured;
  }

  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) {
    throw new Error("PostgreSQL is not installed (apt-get install postgresql), or pass --pg-bin / set SYNAPSE_POSTGRES_BIN to the directory of initdb and postgres");
  }

  return join(root, versions[0], "bin");
}

/**
 * A throwaway PostgreSQL cluster in the run's folder (trust auth on 127.0.0.1, durability off: nothing
 * here must outlive the run). PostgreSQL refuses to run as root: as root, it runs as the postgres user.
 */
async function startPostgres(o, dir) {
  const bin = postgresBin(o);
  const asUser = process.getuid?.() === 0
    ? { uid: Number(execFileSync("id", ["-u", "postgres"]).toString().trim()), gid: Number(execFileSync("id", ["-g", "postgres"]).toString().trim()) }
    : {};
  const pgDir = join(dir, "pg");
  mkdirSync(join(pgDir, "socket"), { recursive: true });
  if (asUser.uid !== undefined) {
    chmodSync(dir, 0o755);
    execFileSync("chown", ["-R", `${asUser.uid}:${asUser.gid}`, pgDir]);
  }

  const data = join(pgDir, "data");
  execFileSync(join(bin, "initdb"), ["-D", data, "-U", "synapse", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions"],
    { stdio: "ignore", cwd: pgDir, ...asUser });
  const port = await freePort();
  const proc = startProcess("postgres", join(bin, "postgres"), [
    "-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${join(pgDir, "socket")}`,
    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200",
  ], join(dir, "postgres.log"), { cwd: pgDir, ...asUser }, "SIGINT");
  await waitFor("postgres", () => {
    execFileSync(join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    return true;
  }, 60_000, proc);
  execFileSync(join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "synapse", "synapse"], { stdio: "ignore" });
  return { proc, connectionString: `Host=127.0.0.1;Port=${port};Username=synapse;Database=synapse;Maximum Pool Size=50` };
}

async function startNode(o, dir, name, port, settings) {
  const url = `http://127.0.0.1:${port}`;
  const args = [o.serverDll, `--urls=${url}`];
  for (const [k, v] of Object.entries(settings)) {
    args.push(`--${k}=${v}`);
  }

  const proc = startProcess(name, "dotnet", args, join(dir, `${name}.log`), { cwd: dir, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: "1" } });
  await waitFor(`${name} at ${url}`, async () => (await fetch(`${url}/api/health`)).ok, 90_000, proc);
  return { name, url, proc };
}

// --- REST -------------------------------------------------------------------------------------

async function api(url, path, { method = "GET", token, body } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      if (!response.ok) {
        throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
      }

      return text ? JSON.parse(text) : null;
    } catch (error) {
      // A busy machine may time a request out; the calls made here are safe to repeat, except a
      // registration that did happen (409 then), which the caller handles.
      if (attempt >= 3 || /HTTP 4\d\d/.test(String(error.message))) {
        throw error;
      }

      await sleep(1_000 * attempt);
    }
  }
}

async function mapLimited(items, limit, action) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await action(items[i], i);
    }
  }));
  return results;
}

/** The whole history of a room, oldest first (paged from the newest back). */
async function readHistory(url, token, roomId) {
  const messages = [];
  let before = null;
  for (let page = 0; page < 100_000; page++) {
    const result = await api(url, `/api/rooms/${roomId}/messages?limit=100${before ? `&before=${before}` : ""}`, { token });
    messages.push(...result.messages);
    if (!result.hasMore || result.messages.length === 0) {
      break;
    }

    before = result.messages[result.messages.length - 1].id;
  }

  return messages.reverse();
}

// --- memory -----------------------------------------------------------------------------------

function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : null;
}

async function sampleMemory(node, adminToken, t) {
  if (node.proc.exited) {
    return null;
  }

  const sample = { t, rss: rssBytes(node.proc.child.pid) };
  try {
    const d = await api(node.url, "/api/admin/diagnostics/memory", { token: adminToken });
    sample.heap = d.gcHeapSizeBytes;
    sample.allocated = d.managedAllocatedBytes;
    sample.gen2 = d.gen2Collections;
  } catch {
    // the node is gone or too busy this time: RSS alone
  }

  return sample;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Start (median of the first 3 samples after warm-up), end (median of the last 3), peak, and the least-squares slope. */
function trend(samples, key) {
  const points = samples.filter((s) => typeof s[key] === "number");
  if (points.length < 3) {
    return null;
  }

  const start = median(points.slice(0, 3).map((s) => s[key]));
  const end = median(points.slice(-3).map((s) => s[key]));
  const peak = Math.max(...points.map((s) => s[key]));
  const n = points.length;
  const mx = points.reduce((a, s) => a + s.t, 0) / n;
  const my = points.reduce((a, s) => a + s[key], 0) / n;
  const sxy = points.reduce((a, s) => a + (s.t - mx) * (s[key] - my), 0);
  const sxx = points.reduce((a, s) => a + (s.t - mx) ** 2, 0);
  const slopePerMin = sxx > 0 ? (sxy / sxx) * 60_000 : 0;
  return { start, end, peak, slopePerMin, samples: n };
}

const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);

// --- the run ----------------------------------------------------------------------------------

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${error.message}\n${usage()}`);
    process.exit(2);
  }

  const dir = mkdtempSync(join(tmpdir(), `synapse-${o.mode}-`));
  const violations = [];
  const summary = {
    mode: o.mode, storage: o.mode === "chaos" ? o.storage : "sqlite", clients: o.clients, durationMs: o.durationMs, seed: o.seed, folder: dir,
    machine: { cpus: cpus().length, memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), loadBefore: loadavg().map((l) => +l.toFixed(2)) },
  };
  const workers = [];
  const onSignal = () => {
    log("interrupted");
    cleanup(o, dir, workers, true).finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    await run(o, dir, summary, violations, workers);
  } catch (error) {
    summary.setupError = String(error?.message ?? error);
    log(`run failed: ${summary.setupError}`);
  }

  summary.violations = violations;
  summary.passed = violations.length === 0 && !summary.setupError;
  summary.machine.loadAfter = loadavg().map((l) => +l.toFixed(2));
  await cleanup(o, dir, workers, !summary.passed);
  printSummary(summary);
  console.log(`RESULT ${JSON.stringify(summary)}`);
  process.exit(summary.setupError ? 2 : summary.passed ? 0 : 1);
}

async function cleanup(o, dir, workers, failed) {
  for (const w of workers) {
    try {
      w.send({ type: "stop" });
    } catch {
      // already gone
    }
  }

  await sleep(300);
  for (const w of workers) {
    w.kill("SIGKILL");
  }

  for (const c of cleanups.reverse()) {
    c();
  }

  cleanups.length = 0;
  await sleep(500);
  if (!o.keepData && !failed) {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(o, dir, summary, violations, workers) {
  const signingKey = randomBytes(32).toString("base64");
  const settings = {
    "Synapse:DataDirectory": join(dir, "data"),
    "Synapse:Auth:SigningKey": signingKey,
    // Cheap password hashing: registering a thousand users is set-up, not what is measured.
    "Synapse:Auth:PasswordHashIterations": "1000",
    // Tokens outlive the run: refreshing them is not what is measured either.
    "Synapse:Auth:AccessTokenLifetime": "12:00:00",
    "Logging:LogLevel:Default": "Warning",
    "Logging:LogLevel:Microsoft.AspNetCore": "Warning",
  };

  // --- servers
  const nodes = [];
  if (o.mode === "soak") {
    const port = o.port || (await freePort());
    for (const s of o.settings) {
      const [k, ...v] = s.split("=");
      settings[k] = v.join("=");
    }

    log(`starting Synapse (${o.serverDll}) on port ${port}, data in ${dir}`);
    nodes.push(await startNode(o, dir, "synapse", port, settings));
  } else {
    const redis = await startRedis(o, dir);
    settings["Synapse:Redis:ConnectionString"] = redis.connectionString;
    if (o.storage === "postgres") {
      const pg = await startPostgres(o, dir);
      settings["Synapse:Storage:Provider"] = "Postgres";
      settings["Synapse:Storage:ConnectionString"] = pg.connectionString;
      log(`redis-server at ${redis.connectionString}, PostgreSQL at ${pg.connectionString}`);
    } else {
      log(`redis-server at ${redis.connectionString}, one SQLite database shared by both nodes in ${settings["Synapse:DataDirectory"]}`);
    }

    for (const s of o.settings) {
      const [k, ...v] = s.split("=");
      settings[k] = v.join("=");
    }

    // One after the other: the first applies the migrations.
    for (const name of ["node-a", "node-b"]) {
      const port = await freePort();
      log(`starting ${name} on port ${port}`);
      nodes.push(await startNode(o, dir, name, port, settings));
    }
  }

  summary.nodes = nodes.map((n) => n.url);
  const url = nodes[0].url;

  // --- users and rooms
  const setupStarted = Date.now();
  const admin = await api(url, "/api/auth/register", { method: "POST", body: { userName: "reliability_admin", password: "reliability-password" } });
  const roomCount = Math.max(o.roomsPerClient, Math.round((o.clients * o.roomsPerClient) / o.roomSize));
  const rooms = [];
  for (let i = 0; i < roomCount; i++) {
    rooms.push((await api(url, "/api/rooms", { method: "POST", token: admin.accessToken, body: { name: `room-${i}`, isPrivate: false } })).id);
  }

  const users = await mapLimited(Array.from({ length: o.clients }, (_, i) => i), 8, async (i) => {
    const userName = `u${String(i).padStart(5, "0")}`;
    const reply = await api(nodes[i % nodes.length].url, "/api/auth/register", { method: "POST", body: { userName, password: "reliability-password" } });
    return { user: { id: reply.user.id, userName }, token: reply.accessToken };
  });
  const step = Math.max(1, Math.floor(roomCount / o.roomsPerClient));
  const specs = users.map((u, i) => ({
    ...u,
    rooms: Array.from({ length: o.roomsPerClient }, (_, k) => rooms[(i + k * step) % roomCount]),
    urlIndex: i % nodes.length,
  }));
  log(`${o.clients} users and ${roomCount} rooms in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`);

  // --- workers
  const config = {
    sendIntervalMs: o.sendIntervalMs,
    chaosIntervalMs: o.chaosIntervalMs,
    offlineMaxMs: o.offlineMaxMs,
    ackTimeoutMs: 15_000,
    connectTimeoutMs: Math.max(60_000, o.clients * 100),
    connectBatch: 20,
    pollingShare: 0.1,
    switchAfterMs: 3_000,
  };
  const urls = nodes.map((n) => n.url);
  const status = new Map();
  const workerCount = Math.ceil(o.clients / o.clientsPerWorker);
  const expect = (type) => Promise.all(workers.map((w) => new Promise((resolve, reject) => {
    w.waiting.set(type, { resolve, reject });
  })));
  for (let w = 0; w < workerCount; w++) {
    const child = fork(join(here, "worker.mjs"), [], { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.waiting = new Map();
    child.on("message", (m) => {
      if (m.type === "status") {
        status.set(w, m);
        return;
      }

      if (m.type === "error") {
        violations.push(`worker ${w}: ${m.message}`);
        for (const { reject } of child.waiting.values()) {
          reject(new Error(m.message));
        }

        return;
      }

      child.waiting.get(m.type)?.resolve(m);
      child.waiting.delete(m.type);
    });
    child.on("exit", (code) => {
      for (const { reject } of child.waiting.values()) {
        reject(new Error(`worker ${w} exited (${code})`));
      }
    });
    workers.push(child);
  }

  const connectStarted = Date.now();
  const ready = expect("ready");
  workers.forEach((child, w) => child.send({
    type: "init",
    clients: specs.slice(w * o.clientsPerWorker, (w + 1) * o.clientsPerWorker),
    urls,
    config,
    seed: (o.seed + w * 7919) >>> 0,
  }));
  const readyReplies = await ready;
  const failedToConnect = readyReplies.flatMap((r) => r.failed);
  if (failedToConnect.length > 0) {
    throw new Error(`${failedToConnect.length} clients could not connect: ${failedToConnect.slice(0, 3).join("; ")}`);
  }

  summary.connectSeconds = +((Date.now() - connectStarted) / 1000).toFixed(1);
  log(`${o.clients} clients connected and joined in ${summary.connectSeconds} s (${workerCount} worker processes); load for ${o.durationMs / 1000} s`);

  // --- load, with memory sampling and (chaos) the kill
  const loadStarted = Date.now();
  const samples = nodes.map(() => []);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const t = Date.now() - loadStarted;
      await Promise.all(nodes.map(async (n, i) => {
        const s = await sampleMemory(n, admin.accessToken, t);
        if (s) {
          samples[i].push(s);
        }
      }));
      await sleep(o.sampleIntervalMs);
    }
  })();

  workers.forEach((w) => w.send({ type: "load" }));
  let killed = null;
  let lastProgress = 0;
  while (Date.now() - loadStarted < o.durationMs) {
    await sleep(500);
    const elapsed = Date.now() - loadStarted;
    if (o.mode === "chaos" && !killed && elapsed >= o.durationMs * o.killAt) {
      killed = nodes[0];
      killed.proc.killedOnPurpose = true;
      killed.proc.child.kill("SIGKILL");
      summary.killedAtSeconds = +(elapsed / 1000).toFixed(1);
      log(`SIGKILL ${killed.name} (pid ${killed.proc.child.pid}); its clients move to ${nodes[1].name}`);
    }

    for (const n of nodes) {
      if (n.proc.exited && !n.proc.killedOnPurpose) {
        throw new Error(`${n.name} exited during the run (${n.proc.exitInfo}):\n${tail(n.proc.logFile)}`);
      }
    }

    if (elapsed - lastProgress >= 30_000) {
      lastProgress = elapsed;
      const st = [...status.values()];
      const sum = (k) => st.reduce((a, s) => a + (s.stats[k] ?? 0), 0);
      const memory = nodes.map((n, i) => {
        const last = samples[i].at(-1);
        return last && !n.proc.exited ? `${n.name} rss ${mib(last.rss)} MiB heap ${last.heap ? mib(last.heap) : "?"} MiB` : `${n.name} down`;
      }).join(", ");
      log(`${(elapsed / 1000).toFixed(0)} s: ${st.reduce((a, s) => a + s.connected, 0)} connected, acked ${sum("acked")}/${sum("sent")}, ` +
        `pending ${st.reduce((a, s) => a + s.pending, 0)}, reconnects ${sum("connects") - o.clients}, ${memory}, load ${loadavg()[0].toFixed(2)}`);
    }
  }

  sampling = false;
  await sampler;
  summary.loadSeconds = +((Date.now() - loadStarted) / 1000).toFixed(1);

  // --- drain: every client connected, everything sent acknowledged
  log("load over: draining (reconnect everyone, resend what is not acknowledged)");
  const drainStarted = Date.now();
  const drainTimeoutMs = Math.max(120_000, Math.min(600_000, o.durationMs / 2));
  const drained = expect("drained");
  workers.forEach((w) => w.send({ type: "drain", timeoutMs: drainTimeoutMs }));
  const drainReplies = await drained;
  summary.drainSeconds = +((Date.now() - drainStarted) / 1000).toFixed(1);
  const notDrained = drainReplies.reduce((a, r) => a + r.notDrained, 0);
  if (notDrained > 0) {
    violations.push(`${notDrained} clients could not reconnect or get their messages acknowledged within ${drainTimeoutMs / 1000} s`);
  }

  // Nothing may be stored after the history is read: stop every send and wait for those in flight
  // to be answered or time out; then the broadcasts of the last messages may still be on their way.
  const frozen = expect("frozen");
  workers.forEach((w) => w.send({ type: "freeze" }));
  const inflight = (await frozen).reduce((a, r) => a + r.inflight, 0);
  if (inflight > 0) {
    violations.push(`${inflight} sends were still unanswered ${(config.ackTimeoutMs + 5_000) / 1000} s after the last one`);
  }

  await sleep(3_000);

  // --- the checks
  const survivor = nodes.find((n) => !n.proc.exited);
  const history = {};
  const historyMessages = [];
  await mapLimited(rooms, 4, async (roomId) => {
    const messages = await readHistory(survivor.url, admin.accessToken, roomId);
    history[roomId] = messages.map((m) => m.id);
    historyMessages.push(...messages);
  });

  const verified = expect("result");
  workers.forEach((w) => {
    // Each worker gets the rooms its clients are in.
    w.send({ type: "verify", history });
  });
  const results = await verified;

  const stats = {};
  for (const r of results) {
    for (const [k, v] of Object.entries(r.stats)) {
      stats[k] = (stats[k] ?? 0) + v;
    }

    violations.push(...r.violations.slice(0, 20));
  }

  const acked = results.flatMap((r) => r.acked);
  const byId = new Map();
  const idCount = new Map();
  for (const m of historyMessages) {
    idCount.set(m.id, (idCount.get(m.id) ?? 0) + 1);
    byId.set(m.id, m);
  }

  // 1. Every acknowledged message is in its room's history, exactly once, as acknowledged.
  let lost = 0;
  let duplicatedIds = 0;
  const ackedIds = new Set();
  for (const [userId, clientMessageId, id, roomId] of acked) {
    ackedIds.add(id);
    const count = idCount.get(id) ?? 0;
    const m = byId.get(id);
    if (count === 0) {
      lost++;
      if (lost <= 5) {
        violations.push(`acknowledged message ${id} (${clientMessageId}) is not in the history of ${roomId}`);
      }
    } else if (count > 1) {
      duplicatedIds++;
    } else if (m.roomId !== roomId || m.userId !== userId || m.clientMessageId !== clientMessageId) {
      violations.push(`history message ${id} does not match its acknowledgement`);
    }
  }

  if (lost > 0) {
    violations.push(`${lost} acknowledged messages lost`);
  }

  if (duplicatedIds > 0) {
    violations.push(`${duplicatedIds} acknowledged messages appear more than once in the history`);
  }

  // 2. No message stored twice (a resend with the same clientMessageId must not create a second).
  const byClientId = new Map();
  for (const m of historyMessages) {
    const key = `${m.userId}/${m.clientMessageId}`;
    byClientId.set(key, (byClientId.get(key) ?? 0) + 1);
  }

  const storedTwice = [...byClientId.values()].filter((n) => n > 1).length;
  if (storedTwice > 0) {
    violations.push(`${storedTwice} clientMessageIds stored more than once`);
  }

  // 3. After the drain, everything stored was acknowledged to its sender.
  const unacknowledged = historyMessages.filter((m) => !ackedIds.has(m.id)).length;
  if (unacknowledged > 0) {
    violations.push(`${unacknowledged} stored messages were never acknowledged to their sender`);
  }

  // 4. Every client saw every message of its rooms (live or caught up), and nothing else.
  const missing = results.reduce((a, r) => a + r.missing, 0);
  const unjudged = results.reduce((a, r) => a + r.unjudged, 0);
  const unknown = results.reduce((a, r) => a + r.unknown, 0);
  if (missing > 0 || unknown > 0) {
    violations.push(`clients missed ${missing} deliveries and saw ${unknown} messages that are not in the history; e.g. ${results.flatMap((r) => r.samples).slice(0, 3).join("; ")}`);
  }

  if (stats.liveDuplicates > 0) {
    violations.push(`${stats.liveDuplicates} messages were delivered twice on one connection`);
  }

  // 5. Memory: flat after warm-up (soak only: in a chaos run the survivor takes over the killed
  // node's clients, so its memory is reported, not judged).
  const memory = [];
  nodes.forEach((n, i) => {
    const judged = samples[i].filter((s) => s.t >= o.warmupMs);
    const rss = trend(judged, "rss");
    const heap = trend(judged, "heap");
    const all = trend(samples[i], "rss");
    memory.push({ node: n.name, rss, heap, rssFromLoadStart: all, killed: n.proc.killedOnPurpose });
    if (n.proc.killedOnPurpose || o.mode !== "soak") {
      return;
    }

    if (!rss) {
      violations.push(`${n.name}: too few memory samples after the warm-up (${judged.length})`);
      return;
    }

    if (rss.end > rss.start * o.rssBound.factor + o.rssBound.bytes) {
      violations.push(`${n.name}: RSS grew from ${mib(rss.start)} to ${mib(rss.end)} MiB (bound ×${o.rssBound.factor} + ${mib(o.rssBound.bytes)} MiB)`);
    }

    if (heap && heap.end > heap.start * o.heapBound.factor + o.heapBound.bytes) {
      violations.push(`${n.name}: managed heap grew from ${mib(heap.start)} to ${mib(heap.end)} MiB (bound ×${o.heapBound.factor} + ${mib(o.heapBound.bytes)} MiB)`);
    }
  });

  Object.assign(summary, {
    rooms: roomCount,
    roomsPerClient: o.roomsPerClient,
    sendIntervalMs: o.sendIntervalMs,
    chaosIntervalMs: o.chaosIntervalMs,
    warmupMs: o.warmupMs,
    stats,
    stored: historyMessages.length,
    acknowledged: acked.length,
    lost,
    storedTwice,
    unacknowledged,
    missedDeliveries: missing,
    clientsNotJudgedForDeliveries: unjudged,
    unknownDeliveries: unknown,
    memory,
    samples: samples.map((s) => s.map((x) => [x.t, x.rss, x.heap ?? null])),
  });
}

function printSummary(s) {
  const lines = [];
  lines.push("");
  lines.push(`== ${s.mode}: ${s.clients} clients, ${s.loadSeconds ?? "?"} s of load, seed ${s.seed}`);
  lines.push(`machine: ${s.machine.cpus} CPUs, ${s.machine.memoryGiB} GiB; load average before ${s.machine.loadBefore.join(" ")}, after ${s.machine.loadAfter.join(" ")}`);
  if (s.stats) {
    const st = s.stats;
    lines.push(`messages: ${st.sent} sent, ${s.acknowledged} acknowledged (${st.duplicateAcks} of them as duplicates of an earlier attempt), ${s.stored} stored; resends ${st.resends}, ack timeouts/cut ${st.ackTimeouts}, rate limited ${st.rateLimited}, server errors (retried) ${st.serverErrors}`);
    lines.push(`disruptions: ${st.transportDrops} transport drops, ${st.dropsAfterSend} drops right after a send, ${st.fullDisconnects} full disconnects; ${st.connects - s.clients} reconnections (${st.recovered} recovered), ${st.urlSwitches} moves to another node, ${st.joinFailures} rejoin failures`);
    lines.push(`catch-up: ${st.catchUpRequests} history requests, ${st.caughtUp} messages first seen through them`);
    lines.push(`checks: lost ${s.lost}, stored twice ${s.storedTwice}, stored but never acknowledged ${s.unacknowledged}, missed deliveries ${s.missedDeliveries} (${s.clientsNotJudgedForDeliveries} clients not connected at the end, not judged), unknown deliveries ${s.unknownDeliveries}, live duplicates ${st.liveDuplicates}`);
    for (const m of s.memory) {
      const f = (t) => (t ? `start ${mib(t.start)}, peak ${mib(t.peak)}, end ${mib(t.end)} MiB, slope ${(t.slopePerMin / 1024 / 1024).toFixed(2)} MiB/min` : "n/a");
      lines.push(`memory ${m.node}${m.killed ? " (killed)" : ""} after ${(s.warmupMs / 1000).toFixed(0)} s warm-up: RSS ${f(m.rss)}; managed heap ${f(m.heap)}`);
    }

    if (s.killedAtSeconds !== undefined) {
      lines.push(`chaos: node-a killed with SIGKILL at ${s.killedAtSeconds} s`);
    }

    lines.push(`connect ${s.connectSeconds} s, drain ${s.drainSeconds} s`);
  }

  if (s.setupError) {
    lines.push(`SETUP ERROR: ${s.setupError}`);
  }

  for (const v of s.violations.slice(0, 30)) {
    lines.push(`VIOLATION: ${v}`);
  }

  lines.push(s.passed ? "PASSED" : `FAILED (data and logs kept in ${s.folder})`);
  console.log(lines.join("\n"));
}

await main();
