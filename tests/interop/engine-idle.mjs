// Connects with engine.io-client, stays idle for a while, then prints one JSON summary line and exits.
// Used to check that the heartbeat keeps an idle connection alive.
//
//   node engine-idle.mjs <server base url> <idle ms> [<json options for new Socket()>]
//
// Output: {"opened":true,"transport":"...","pings":N,"closed":false,"closeReason":null,"readyState":"open"}
// Exit code 0 when the connection stayed open throughout, 1 otherwise.
import { Socket } from "engine.io-client";

const [url, idleArg, rawOptions] = process.argv.slice(2);
const idle = Number(idleArg);
if (!url || !Number.isFinite(idle)) {
  console.error("usage: node engine-idle.mjs <url> <idle ms> [json options]");
  process.exit(2);
}

const socket = new Socket(url, rawOptions ? JSON.parse(rawOptions) : {});
const summary = { opened: false, transport: null, pings: 0, closed: false, closeReason: null, readyState: null };

socket.on("ping", () => summary.pings++);
socket.on("close", (reason) => {
  summary.closed = true;
  summary.closeReason = reason;
});
socket.on("error", (err) => console.error("error:", err?.message ?? err));
socket.on("open", () => {
  summary.opened = true;
  setTimeout(() => {
    summary.readyState = socket.readyState;
    summary.transport = socket.transport.name;
    const ok = !summary.closed && summary.readyState === "open";
    process.stdout.write(JSON.stringify(summary) + "\n");
    socket.close();
    setTimeout(() => process.exit(ok ? 0 : 1), 50);
  }, idle);
});

setTimeout(() => {
  process.stdout.write(JSON.stringify(summary) + "\n");
  console.error("never opened");
  process.exit(1);
}, idle + 10000).unref();
