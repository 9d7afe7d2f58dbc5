// Drives any number of official socket.io-client connections to a Synapse server, for the xunit
// tests of tests/Synapse.Server.Tests (SocketClients.cs is the other side).
//
//   node synapse-clients.mjs <server base url>
//
// stdin: one JSON command per line
//   {"cmd":"connect","client":"alice1","auth":{"token":"..."},"options":{...}}   new connection (forceNew, no reconnection)
//   {"cmd":"emit","client":"alice1","seq":7,"event":"room:join","args":[{...}],"ack":true,"timeout":5000}
//   {"cmd":"disconnect","client":"alice1"}
//   {"cmd":"exit"}
// stdout: one JSON object per line
//   {"client":"alice1","type":"connect","id":"..."}
//   {"client":"alice1","type":"connect_error","message":"...","data":{...}}
//   {"client":"alice1","type":"disconnect","reason":"..."}
//   {"client":"alice1","type":"event","event":"message:new","args":[...]}     every event the server emits
//   {"client":"alice1","type":"ack","seq":7,"args":[...],"error":null}        ack received (error: "operation has timed out")
//   {"client":"alice1","type":"emitted","seq":7}                              emitted without ack callback
//   {"type":"failure","seq":7,"message":"..."}                                a command could not run
// The script exits when stdin ends, closing every connection.
import { io } from "socket.io-client";
import { createInterface } from "node:readline";

const [baseUrl] = process.argv.slice(2);
if (!baseUrl) {
  console.error("usage: node synapse-clients.mjs <server base url>");
  process.exit(2);
}

const print = (message) => process.stdout.write(JSON.stringify(message) + "\n");
const clients = new Map();

function connect({ client, auth, options }) {
  if (clients.has(client)) {
    throw new Error(`client ${client} exists`);
  }

  // forceNew: every client is its own connection (two tabs of one user are two connections).
  const socket = io(baseUrl, { auth: auth ?? {}, forceNew: true, reconnection: false, ...(options ?? {}) });
  socket.on("connect", () => print({ client, type: "connect", id: socket.id }));
  socket.on("connect_error", (err) => print({ client, type: "connect_error", message: err.message, data: err.data ?? null }));
  socket.on("disconnect", (reason) => print({ client, type: "disconnect", reason }));
  socket.onAny((event, ...args) => print({ client, type: "event", event, args }));
  clients.set(client, socket);
}

function emit({ client, seq, event, args, ack, timeout }) {
  const socket = clients.get(client);
  if (!socket) {
    throw new Error(`no client ${client}`);
  }

  if (ack) {
    socket.timeout(timeout ?? 5000).emit(event, ...(args ?? []), (err, ...response) =>
      print({ client, type: "ack", seq, args: response, error: err ? err.message : null }));
  } else {
    socket.emit(event, ...(args ?? []));
    print({ client, type: "emitted", seq });
  }
}

function disconnect({ client }) {
  const socket = clients.get(client);
  if (!socket) {
    throw new Error(`no client ${client}`);
  }

  socket.disconnect();
}

function closeAll() {
  for (const socket of clients.values()) {
    socket.close();
  }
}

const commands = { connect, emit, disconnect, exit: () => { closeAll(); process.exit(0); } };

createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (!line.trim()) {
      return;
    }

    let command;
    try {
      command = JSON.parse(line);
      const run = commands[command.cmd];
      if (!run) {
        throw new Error(`unknown command ${command.cmd}`);
      }

      run(command);
    } catch (err) {
      print({ type: "failure", seq: command?.seq ?? null, message: String(err?.message ?? err) });
    }
  })
  .on("close", () => {
    closeAll();
    // Give the close packets a moment to leave before exiting.
    setTimeout(() => process.exit(0), 50);
  });
