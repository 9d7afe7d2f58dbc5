// A scriptable socket.io-client (4.8) driven over stdio by the xunit interop tests
// (tests/Synapse.SocketIO.Tests/SocketIO/SioDriver.cs wraps it).
//
//   node sio-driver.mjs
//
// Binary values travel as {"$bin":"<base64>"} in both directions, at any depth: the driver
// turns them into Buffers before emitting, and every Buffer/ArrayBuffer/typed array it receives
// into that form before printing.
//
// stdin: one JSON command per line.
//   {"cmd":"connect","client":"a","url":"http://127.0.0.1:PORT","nsp":"/admin","auth":{...},
//    "manager":"m","opts":{...manager options: transports, reconnection, ...},
//    "answers":{"event":{"reply":[...]}|{"never":true}|{"echo":true}}}
//        Creates client "a": a Socket on namespace nsp of manager "m" (created with url and opts
//        when new; default: a manager of its own, so clients never share a connection unless told).
//        With "resume":{"pid":..,"offset":..} the socket presents that connection state recovery
//        session (as if it had been connected before: a client moving to another node).
//   {"cmd":"answer","client":"a","event":"x","reply":[...]|"never":true|"echo":true}
//        How "a" answers server events that ask for an ack (default: it does not answer).
//   {"cmd":"emit","client":"a","event":"x","args":[...]}                  plain emit
//   {"cmd":"emit","client":"a","event":"x","args":[...],"ack":"r1","timeout":1000}
//        emit with an ack callback (socket.timeout(ms) when timeout is given); prints "ack"
//   {"cmd":"emitWithAck","client":"a","event":"x","args":[...],"ack":"r1","timeout":1000}
//        await socket[.timeout(ms)].emitWithAck(...); prints "ack" with value (or "ackError")
//   {"cmd":"disconnect","client":"a"}     socket.disconnect()
//   {"cmd":"connectAgain","client":"a"}   socket.connect()
//   {"cmd":"closeEngine","client":"a"}    closes the Engine.IO connection (socket.io.engine.close())
//   {"cmd":"state","client":"a"}          prints "state"
//   {"cmd":"ping","tag":"x"}              prints {"event":"pong","tag":"x"} (a barrier)
//   {"cmd":"exit"}
//
// stdout: one JSON object per line, always with "event" and (for a client) "client":
//   connect {id, transport, engineId, recovered}   connect_error {message, data}   disconnect {reason, description}
//   recv {name, args, hasAck}           ack {ack, args} / {ack, value}   ackError {ack, message}
//   answered {name, args}     open {transport, engineId} (per manager)  upgrade {transport}  engineClose {reason}
//   reconnect_attempt {attempt}  reconnect {attempt}  reconnect_error {message}  reconnect_failed
//   state {connected, id, transport, engineId, active, recovered, pid, offset}  pong {tag}  error {message}
// The script exits when stdin ends or on "exit", and by itself after 60 s at the latest.
import { Manager } from "socket.io-client";
import { createInterface } from "node:readline";

const print = (message) => process.stdout.write(JSON.stringify(message) + "\n");
const managers = new Map();
const clients = new Map();
const answers = new Map(); // client -> Map(event -> rule)

const isBinary = (v) => Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
const toBuffer = (v) =>
  Buffer.isBuffer(v) ? v : v instanceof ArrayBuffer ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);

// Received values -> printable JSON.
function encode(value) {
  if (value === undefined) return null;
  if (value === null || typeof value !== "object") return value;
  if (isBinary(value)) return { $bin: toBuffer(value).toString("base64") };
  if (Array.isArray(value)) return value.map(encode);
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = encode(v);
  return out;
}

// Commanded values -> what is emitted.
function decode(value) {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decode);
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === "$bin") return Buffer.from(value.$bin, "base64");
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = decode(v);
  return out;
}

const describeError = (err) => (err instanceof Error ? err.message : String(err));

function managerFor(command) {
  const key = command.manager ?? `#${command.client}`;
  let manager = managers.get(key);
  if (!manager) {
    manager = new Manager(command.url, { ...(command.opts ?? {}) });
    const tag = { manager: key };
    manager.on("open", () => {
      const engine = manager.engine;
      print({ event: "open", ...tag, transport: engine.transport.name, engineId: engine.id });
      engine.on("upgrade", (t) => print({ event: "upgrade", ...tag, transport: t.name }));
      engine.on("close", (reason) => print({ event: "engineClose", ...tag, reason }));
    });
    manager.on("reconnect_attempt", (attempt) => print({ event: "reconnect_attempt", ...tag, attempt }));
    manager.on("reconnect", (attempt) => print({ event: "reconnect", ...tag, attempt }));
    manager.on("reconnect_error", (err) => print({ event: "reconnect_error", ...tag, message: describeError(err) }));
    manager.on("reconnect_failed", () => print({ event: "reconnect_failed", ...tag }));
    managers.set(key, manager);
  }
  return { key, manager };
}

function connect(command) {
  const name = command.client;
  const { key, manager } = managerFor(command);
  const rules = new Map(Object.entries(command.answers ?? {}));
  answers.set(name, rules);
  const socket = manager.socket(command.nsp ?? "/", command.auth === undefined ? {} : { auth: decode(command.auth) });
  clients.set(name, socket);
  if (command.resume) {
    // The client's own fields for recovery; it sends them with its next CONNECT.
    socket._pid = command.resume.pid;
    socket._lastOffset = command.resume.offset ?? undefined;
  }
  const tag = { client: name };
  socket.on("connect", () =>
    print({
      event: "connect",
      ...tag,
      manager: key,
      id: socket.id,
      transport: manager.engine?.transport?.name ?? null,
      engineId: manager.engine?.id ?? null,
      recovered: socket.recovered === true,
    })
  );
  socket.on("connect_error", (err) =>
    print({ event: "connect_error", ...tag, message: err.message, data: encode(err.data ?? null) })
  );
  socket.on("disconnect", (reason, description) =>
    print({ event: "disconnect", ...tag, reason, description: description ? describeError(description.description ?? description) : null })
  );
  socket.onAny((name, ...args) => {
    let ack = null;
    if (args.length > 0 && typeof args[args.length - 1] === "function") {
      ack = args.pop();
    }
    print({ event: "recv", ...tag, name, args: encode(args), hasAck: ack !== null });
    if (ack) {
      const rule = rules.get(name);
      if (!rule || rule.never) return;
      const reply = rule.echo ? args : decode(rule.reply ?? []);
      const send = () => {
        ack(...reply);
        print({ event: "answered", ...tag, name, args: encode(reply) });
      };
      if (rule.delay) setTimeout(send, rule.delay);
      else send();
    }
  });
  // Reconnections build a new engine: re-announce it when the socket connects again.
}

async function handle(command) {
  const socket = command.client ? clients.get(command.client) : undefined;
  switch (command.cmd) {
    case "connect":
      connect(command);
      break;
    case "answer": {
      const rules = answers.get(command.client) ?? new Map();
      answers.set(command.client, rules);
      rules.set(command.event, { reply: command.reply, never: command.never, echo: command.echo, delay: command.delay });
      print({ event: "answerSet", client: command.client, name: command.event });
      break;
    }
    case "emit": {
      const args = decode(command.args ?? []);
      if (command.ack == null) {
        socket.emit(command.event, ...args);
        break;
      }
      const target = command.timeout != null ? socket.timeout(command.timeout) : socket;
      if (command.timeout != null) {
        target.emit(command.event, ...args, (err, ...response) => {
          if (err) print({ event: "ackError", client: command.client, ack: command.ack, message: describeError(err) });
          else print({ event: "ack", client: command.client, ack: command.ack, args: encode(response) });
        });
      } else {
        target.emit(command.event, ...args, (...response) =>
          print({ event: "ack", client: command.client, ack: command.ack, args: encode(response) })
        );
      }
      break;
    }
    case "emitWithAck": {
      const args = decode(command.args ?? []);
      const target = command.timeout != null ? socket.timeout(command.timeout) : socket;
      try {
        const value = await target.emitWithAck(command.event, ...args);
        print({ event: "ack", client: command.client, ack: command.ack, value: encode(value) });
      } catch (err) {
        print({ event: "ackError", client: command.client, ack: command.ack, message: describeError(err) });
      }
      break;
    }
    case "disconnect":
      socket.disconnect();
      break;
    case "connectAgain":
      socket.connect();
      break;
    case "closeEngine":
      socket.io.engine.close();
      break;
    case "state":
      print({
        event: "state",
        client: command.client,
        connected: socket.connected,
        active: socket.active,
        id: socket.id ?? null,
        transport: socket.io.engine?.transport?.name ?? null,
        engineId: socket.io.engine?.id ?? null,
        recovered: socket.recovered === true,
        pid: socket._pid ?? null,
        offset: socket._lastOffset ?? null,
      });
      break;
    case "ping":
      print({ event: "pong", tag: command.tag ?? null });
      break;
    case "exit":
      shutdown(0);
      break;
    default:
      print({ event: "error", message: `unknown command ${command.cmd}` });
  }
}

function shutdown(code) {
  for (const socket of clients.values()) socket.disconnect();
  for (const manager of managers.values()) manager._close?.();
  setTimeout(() => process.exit(code), 20);
}

// Commands run one after the other, in the order given.
let chain = Promise.resolve();
const commands = createInterface({ input: process.stdin });
commands.on("line", (line) => {
  if (!line.trim()) return;
  let command;
  try {
    command = JSON.parse(line);
  } catch (err) {
    print({ event: "error", message: `bad command: ${describeError(err)}` });
    return;
  }
  // emitWithAck awaits its answer: it must not hold the following commands back.
  chain = chain.then(() => {
    const running = handle(command).catch((err) => print({ event: "error", message: describeError(err) }));
    return command.cmd === "emitWithAck" ? undefined : running;
  });
});
commands.on("close", () => shutdown(0));
setTimeout(() => shutdown(3), 60_000).unref();
process.on("uncaughtException", (err) => print({ event: "error", message: `uncaught: ${describeError(err)}` }));
