// An engine.io-client driven over stdio by the xunit interop tests.
//
//   node engine-client.mjs <server base url> [<json options for new Socket()>]
//
// stdout: one JSON object per line, {"event": ...}:
//   open {transport, sid}  upgrading {transport}  upgrade {transport}  upgradeError {message}
//   message {kind: "text", text} | {kind: "binary", type: "Buffer"|"ArrayBuffer"|..., base64}
//   ping  drain  close {reason, description}  error {message}  state {readyState, transport, sid}
// stdin: one JSON command per line:
//   {"cmd":"send","text":"..."}                      send a text message
//   {"cmd":"sendBinary","base64":"...","as":"buffer"|"arraybuffer"|"uint8array"}
//   {"cmd":"state"}                                  report readyState/transport
//   {"cmd":"close"}                                  socket.close()
//   {"cmd":"exit"}                                   exit now
// The script exits when stdin ends.
import { Socket } from "engine.io-client";
import { createInterface } from "node:readline";

const [url, rawOptions] = process.argv.slice(2);
if (!url) {
  console.error("usage: node engine-client.mjs <url> [json options]");
  process.exit(2);
}

const print = (event) => process.stdout.write(JSON.stringify(event) + "\n");
const describe = (value) => {
  if (value === undefined || value === null) return null;
  if (value instanceof Error) return value.message;
  if (typeof value === "object") {
    try {
      return JSON.stringify(value, (key, v) => (v instanceof Error ? v.message : key === "context" ? undefined : v));
    } catch {
      return String(value);
    }
  }
  return String(value);
};

const options = rawOptions ? JSON.parse(rawOptions) : {};
const socket = new Socket(url, options);

socket.on("open", () => print({ event: "open", transport: socket.transport.name, sid: socket.id }));
socket.on("upgrading", (transport) => print({ event: "upgrading", transport: transport.name }));
socket.on("upgrade", (transport) => print({ event: "upgrade", transport: transport.name }));
socket.on("upgradeError", (err) => print({ event: "upgradeError", message: describe(err) }));
socket.on("ping", () => print({ event: "ping" }));
socket.on("drain", () => print({ event: "drain" }));
socket.on("error", (err) => print({ event: "error", message: describe(err) }));
socket.on("close", (reason, description) => print({ event: "close", reason, description: describe(description) }));
socket.on("message", (data) => {
  if (typeof data === "string") {
    print({ event: "message", kind: "text", text: data });
  } else {
    const type = data?.constructor?.name ?? typeof data;
    const bytes = Buffer.isBuffer(data)
      ? data
      : data instanceof ArrayBuffer
        ? Buffer.from(data)
        : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    print({ event: "message", kind: "binary", type, base64: bytes.toString("base64") });
  }
});

const commands = createInterface({ input: process.stdin });
commands.on("line", (line) => {
  if (!line.trim()) return;
  const command = JSON.parse(line);
  switch (command.cmd) {
    case "send":
      socket.send(command.text);
      break;
    case "sendBinary": {
      const buffer = Buffer.from(command.base64, "base64");
      if (command.as === "arraybuffer") {
        socket.send(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
      } else if (command.as === "uint8array") {
        socket.send(new Uint8Array(buffer));
      } else {
        socket.send(buffer);
      }
      break;
    }
    case "state":
      print({ event: "state", readyState: socket.readyState, transport: socket.transport?.name ?? null, sid: socket.id ?? null });
      break;
    case "close":
      socket.close();
      break;
    case "exit":
      process.exit(0);
      break;
    default:
      print({ event: "error", message: `unknown command ${command.cmd}` });
  }
});
commands.on("close", () => {
  socket.close();
  setTimeout(() => process.exit(0), 50);
});
