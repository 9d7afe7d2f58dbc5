// Runs the README's socket.io-client example as written, against a test server.
//   node sio-readme-client.mjs README_PATH SERVER_URL [TOKEN]
// The example's code block (the first ```js block after "The matching client") runs with its
// URL replaced by SERVER_URL and, when TOKEN is given, its auth token replaced by TOKEN.
// Each console.log of the example is printed as one JSON line {"event":"log","args":[...]};
// {"event":"done"} follows once the example's code has run to its end (its sockets stay open:
// the test ends the process).
import { readFileSync } from "node:fs";
import { io } from "socket.io-client";

const [readmePath, url, token] = process.argv.slice(2);
const print = (message) => process.stdout.write(JSON.stringify(message) + "\n");

const readme = readFileSync(readmePath, "utf8");
const start = readme.indexOf("The matching client");
const block = start < 0 ? null : readme.slice(start).match(/```js\n([\s\S]*?)```/);
if (!block) {
  print({ event: "error", message: "no client example found in the README" });
  process.exit(2);
}

const importLine = 'import { io } from "socket.io-client";';
if (!block[1].includes(importLine)) {
  print({ event: "error", message: `the example does not start with ${importLine}` });
  process.exit(2);
}

let code = block[1].replace(importLine, "").replaceAll("http://localhost:5000", url.replace(/\/$/, ""));
if (token !== undefined) {
  code = code.replaceAll('token: "secret"', `token: ${JSON.stringify(token)}`);
}

// The example is a module body with top-level await: an async function runs it the same way.
const AsyncFunction = (async () => {}).constructor;
const exampleConsole = { log: (...args) => print({ event: "log", args }) };
try {
  await new AsyncFunction("io", "console", code)(io, exampleConsole);
  print({ event: "done" });
} catch (err) {
  print({ event: "error", message: String(err?.stack ?? err) });
}
