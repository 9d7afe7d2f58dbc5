// A Node socket.io 4.8 server with @socket.io/redis-adapter 8.3, driven over stdio by the Redis
// adapter tests (tests/Synapse.SocketIO.Redis.Tests): the Node member of a mixed Node/.NET cluster.
//
//   node redis-node-server.mjs REDIS_URL [classic|sharded] [KEY] [static|dynamic|dynamic-private]
//
// Clients connect with auth {name, rooms: [...], data?}: the socket joins the rooms and gets
// socket.data = {name, ...data}.
// Server-side events "sse" are printed; "sse-ack" is answered with {from: "node", got: first arg}.
//
// stdin: one JSON command per line, each with an "id" echoed in its result:
//   {"cmd":"emit","to":[...],"except":[...],"event":"x","args":[...]}
//   {"cmd":"emitWithAck","to":[...],"timeout":ms,"event":"x","args":[...]}   -> value / error
//   {"cmd":"fetchSockets","to":[...]}                  -> sockets: [{id, rooms, data}]
//   {"cmd":"socketsJoin","to":[...],"rooms":[...]}  socketsLeave likewise
//   {"cmd":"disconnectSockets","to":[...],"close":bool}
//   {"cmd":"serverSideEmit","event":"x","args":[...],"ack":bool}   -> value / error
//   {"cmd":"serverCount"} -> value                     {"cmd":"allRooms"} -> value (classic)
//   {"cmd":"exit"}
// stdout: {"event":"listening","port":N,"uid":...}, {"event":"result","id":...,"value"|"error"},
//   {"event":"connection","id":..,"name":..}, {"event":"serverSideEvent","name":..,"args":[..]}
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { Server } from "socket.io";
import { createClient } from "redis";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";

const [url, mode = "classic", key = "socket.io", subscriptionMode = "dynamic"] = process.argv.slice(2);
const print = (message) => process.stdout.write(JSON.stringify(message) + "\n");
const encode = (value) => {
  if (value === undefined) return null;
  if (value === null || typeof value !== "object") return value;
  if (Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    return { $bin: Buffer.from(value.buffer ?? value, value.byteOffset ?? 0, value.byteLength).toString("base64") };
  }
  if (value instanceof Date) return { $date: value.toISOString() };
  if (Array.isArray(value)) return value.map(encode);
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = encode(v);
  return out;
};

const pub = createClient({ url });
const sub = pub.duplicate();
pub.on("error", (err) => print({ event: "redisError", message: err.message }));
sub.on("error", (err) => print({ event: "redisError", message: err.message }));
await Promise.all([pub.connect(), sub.connect()]);

const httpServer = createServer();
const io = new Server(httpServer, {
  adapter:
    mode === "sharded"
      ? createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode })
      : createAdapter(pub, sub, { key, requestsTimeout: 3000 }),
  pingInterval: 2000,
  pingTimeout: 5000,
});

io.on("connection", (socket) => {
  const auth = socket.handshake.auth ?? {};
  socket.data = { name: auth.name, ...(auth.data ?? {}) };
  for (const room of auth.rooms ?? []) socket.join(room);
  print({ event: "connection", id: socket.id, name: auth.name });
});
io.on("sse", (...args) => print({ event: "serverSideEvent", name: "sse", args: encode(args) }));
io.on("sse-ack", (...args) => {
  const callback = args.pop();
  print({ event: "serverSideEvent", name: "sse-ack", args: encode(args) });
  callback({ from: "node", got: args[0] });
});

const target = (command) => {
  let operator = io.of("/");
  if (command.to?.length) operator = operator.to(command.to);
  if (command.except?.length) operator = operator.except(command.except);
  return operator;
};

async function handle(command) {
  switch (command.cmd) {
    case "emit":
      target(command).emit(command.event, ...(command.args ?? []));
      return true;
    case "emitWithAck":
      return target(command).timeout(command.timeout ?? 2000).emitWithAck(command.event, ...(command.args ?? []));
    case "fetchSockets":
      return (await target(command).fetchSockets()).map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data, address: s.handshake.address }));
    case "socketsJoin":
      target(command).socketsJoin(command.rooms);
      return true;
    case "socketsLeave":
      target(command).socketsLeave(command.rooms);
      return true;
    case "disconnectSockets":
      target(command).disconnectSockets(command.close ?? false);
      return true;
    case "serverSideEmit":
      if (command.ack) return io.serverSideEmitWithAck(command.event, ...(command.args ?? []));
      io.serverSideEmit(command.event, ...(command.args ?? []));
      return true;
    case "serverCount":
      return io.of("/").adapter.serverCount();
    case "allRooms":
      return [...(await io.of("/").adapter.allRooms())];
    case "exit":
      await io.close();
      await Promise.allSettled([pub.quit(), sub.quit()]);
      process.exit(0);
    default:
      throw new Error(`unknown command ${command.cmd}`);
  }
}

httpServer.listen(0, "127.0.0.1", () => {
  print({ event: "listening", port: httpServer.address().port, uid: io.of("/").adapter.uid });
});

const lines = createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  if (!line.trim()) return;
  const command = JSON.parse(line);
  try {
    const value = await handle(command);
    print({ event: "result", id: command.id, value: encode(value) });
  } catch (err) {
    print({ event: "result", id: command.id, error: err.message, responses: encode(err.responses ?? null) });
  }
});
lines.on("close", () => process.exit(0));
setTimeout(() => process.exit(0), 60_000).unref();
