// @socket.io/redis-emitter 5.1, driven over stdio by the Redis adapter tests: publishes to a
// Socket.IO cluster without being a member of it.
//
//   node redis-emitter.mjs REDIS_URL [KEY]
//
// stdin: one JSON command per line, each with an "id" echoed in {"event":"done","id":...}:
//   {"cmd":"emit","nsp":"/","to":[...],"except":[...],"volatile":bool,"event":"x","args":[...]}
//     (binary arguments as {"$bin":"base64"}, dates as {"$date":"ISO"})
//   {"cmd":"serverSideEmit","event":"x","args":[...]}
//   {"cmd":"socketsJoin","to":[...],"rooms":[...]}   socketsLeave likewise
//   {"cmd":"disconnectSockets","to":[...],"close":bool}
import { createInterface } from "node:readline";
import { createClient } from "redis";
import { Emitter } from "@socket.io/redis-emitter";

const [url, key = "socket.io"] = process.argv.slice(2);
const print = (message) => process.stdout.write(JSON.stringify(message) + "\n");
const decode = (value) => {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decode);
  if (Object.keys(value).length === 1 && "$bin" in value) return Buffer.from(value.$bin, "base64");
  if (Object.keys(value).length === 1 && "$date" in value) return new Date(value.$date);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
};

const client = createClient({ url });
client.on("error", (err) => print({ event: "redisError", message: err.message }));
await client.connect();
const root = new Emitter(client, { key });
print({ event: "ready" });

const lines = createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  if (!line.trim()) return;
  const command = JSON.parse(line);
  let operator = command.nsp && command.nsp !== "/" ? root.of(command.nsp) : root;
  if (command.to?.length) operator = operator.to(command.to);
  if (command.except?.length) operator = operator.except(command.except);
  if (command.volatile) operator = operator.volatile;
  switch (command.cmd) {
    case "emit":
      operator.emit(command.event, ...decode(command.args ?? []));
      break;
    case "serverSideEmit":
      operator.serverSideEmit(command.event, ...decode(command.args ?? []));
      break;
    case "socketsJoin":
      operator.socketsJoin(command.rooms);
      break;
    case "socketsLeave":
      operator.socketsLeave(command.rooms);
      break;
    case "disconnectSockets":
      operator.disconnectSockets(command.close ?? false);
      break;
    case "exit":
      await client.quit();
      process.exit(0);
  }
  // PUBLISH goes out in order on the one connection: a PING after it answers once it was sent.
  await client.ping();
  print({ event: "done", id: command.id });
});
lines.on("close", () => process.exit(0));
setTimeout(() => process.exit(0), 60_000).unref();
