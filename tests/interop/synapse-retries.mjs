// Client-to-server at least once with the official client's own retry queue (socket.io-client
// `retries` and `ackTimeout`) and Synapse's idempotent `message:send` (clientMessageId), for
// tests/Synapse.Server.Tests/Reliability/DeliveryGuaranteeTests.cs.
//
//   node synapse-retries.mjs <server base url> <lost-ack | cut-before-ack>
//
// It registers a sender and an observer, creates a room, and sends one message with
// `socket.emitWithAck("message:send", ...)` on a socket created with `{ retries: 3, ackTimeout }`.
// The first acknowledgement never reaches the application:
//   lost-ack        the ack packet is dropped on arrival (as if lost on the way): the client times
//                   out and sends the same packet again on the same connection;
//   cut-before-ack  the connection is cut as the ack arrives: the client reconnects and its queue
//                   sends the packet again on the new connection.
// stdout: one JSON line {scenario, token, roomId, clientMessageId, reply, acksDropped, connects, observed}
// where `observed` counts the message:new the observer received for the message.
import { io } from "socket.io-client";
import { randomUUID } from "node:crypto";

const [baseUrl, scenario] = process.argv.slice(2);
if (!baseUrl || !["lost-ack", "cut-before-ack"].includes(scenario)) {
  console.error("usage: node synapse-retries.mjs <server base url> <lost-ack | cut-before-ack>");
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ACK = 3; // socket.io-parser PacketType.ACK

async function post(path, body, token) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  }

  return response.json();
}

function connected(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
}

const suffix = randomUUID().slice(0, 8);
const sender = await post("/api/auth/register", { userName: `sender_${suffix}`, password: "retries-password" });
const observerAccount = await post("/api/auth/register", { userName: `observer_${suffix}`, password: "retries-password" });
const room = await post("/api/rooms", { name: `retries-${suffix}`, isPrivate: false }, sender.accessToken);

const observer = io(baseUrl, { forceNew: true, transports: ["websocket"], auth: { token: observerAccount.accessToken } });
await connected(observer);
const clientMessageId = randomUUID();
let observed = 0;
observer.on("message:new", (m) => {
  if (m.clientMessageId === clientMessageId) {
    observed++;
  }
});
const joined = await observer.timeout(10_000).emitWithAck("room:join", { roomId: room.id });
if (!joined.success) {
  throw new Error(`observer could not join: ${JSON.stringify(joined)}`);
}

// The client under test: its own retry queue does the at-least-once part.
const socket = io(baseUrl, {
  forceNew: true,
  autoConnect: false,
  transports: ["websocket"],
  auth: { token: sender.accessToken },
  retries: 3,
  ackTimeout: 2_000,
  reconnectionDelay: 100,
  reconnectionDelayMax: 500,
});

// The loss is made on the client's side of the wire, where the packet arrives: the server does
// its part as usual (stores the message, sends the ack), the application never sees that ack.
let acksDropped = 0;
let dropNext = false;
const deliver = socket.onpacket.bind(socket);
socket.onpacket = (packet) => {
  if (dropNext && packet.type === ACK) {
    dropNext = false;
    acksDropped++;
    if (scenario === "cut-before-ack") {
      socket.io.engine.close();
    }

    return;
  }

  deliver(packet);
};

let connects = 0;
socket.on("connect", () => connects++);
socket.connect();
await connected(socket);

// room:join goes through the same queue (retries apply to every emit): join, then arm the drop.
const join = await socket.emitWithAck("room:join", { roomId: room.id });
if (!join.success) {
  throw new Error(`sender could not join: ${JSON.stringify(join)}`);
}

dropNext = true;
const reply = await socket.emitWithAck("message:send", { roomId: room.id, content: `at least once (${scenario})`, clientMessageId });

// The broadcast reaches the observer (bounded wait), then a second one, if the server made one, would too.
for (let i = 0; i < 100 && observed === 0; i++) {
  await sleep(100);
}

await sleep(1_000);
console.log(JSON.stringify({ scenario, token: sender.accessToken, roomId: room.id, clientMessageId, reply, acksDropped, connects, observed }));
socket.disconnect();
observer.disconnect();
process.exit(0);
