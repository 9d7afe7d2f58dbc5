// The README's client example (the seed's connection flow), run against a live Synapse server:
// register two users over REST, connect with the access token, authenticate, join a room, and
// receive a message. Prints one JSON line per step; exits 0 when the flow completed.
//
//   node synapse-connection-flow.mjs <server base url>
import { io } from "socket.io-client";

const [baseUrl] = process.argv.slice(2);
const print = (step, data) => process.stdout.write(JSON.stringify({ step, ...data }) + "\n");
const fail = (message) => {
  print("failed", { message });
  process.exit(1);
};
setTimeout(() => fail("timed out"), 15000).unref();

async function post(path, body, token) {
  const response = await fetch(new URL(path, baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) {
    fail(`${path}: ${response.status} ${JSON.stringify(json)}`);
  }
  return json;
}

const suffix = Math.random().toString(36).slice(2, 8);
const alice = await post("/api/auth/register", { userName: `alice_${suffix}`, password: "correct horse" });
const bob = await post("/api/auth/register", { userName: `bob_${suffix}`, password: "battery staple" });
const room = await post("/api/rooms", { name: "general", isPrivate: false }, alice.accessToken);
print("registered", { roomId: room.id });

// --- the README example, as a client would write it ---
function connectAndJoin(session, roomId) {
  // 1. Connect with the access token
  const socket = io(baseUrl, { auth: { token: session.accessToken }, forceNew: true, reconnection: false });

  // 2. Authenticate (optional: the handshake token already did) and 3. join the room
  socket.on("connect", async () => {
    const auth = await socket.emitWithAck("authenticate", {
      token: session.accessToken,
      userId: session.user.id,
      userName: session.user.userName,
    });
    print("authenticated", { user: auth.user.userName, success: auth.success });
    const joined = await socket.emitWithAck("room:join", { roomId });
    print("joined", { user: session.user.userName, success: joined.success, members: joined.members.length });
  });
  socket.on("connect_error", (err) => fail(`connect_error: ${err.message}`));
  return socket;
}

const aliceSocket = connectAndJoin(alice, room.id);
const bobSocket = connectAndJoin(bob, room.id);

// 4. Listen for events
bobSocket.on("message:new", (message) => {
  print("received", { from: message.userName, content: message.content });
  aliceSocket.close();
  bobSocket.close();
  process.exit(0);
});

let ready = 0;
for (const socket of [aliceSocket, bobSocket]) {
  socket.on("room:joined", async () => {
    if (++ready === 2) {
      const ack = await aliceSocket.emitWithAck("message:send", { roomId: room.id, content: "Hello @" + bob.user.userName, clientMessageId: "c1" });
      print("sent", { success: ack.success, id: ack.message.id });
    }
  });
}
