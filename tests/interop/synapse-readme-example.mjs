// Runs the README's socket.io-client example (the first ```js block of its Synapse server API
// section) exactly as written, against a live server instead of http://localhost:3001. The test
// registers the user the example logs in as and creates its room. Prints one JSON line per
// console.log/console.error of the example; exits 0 once the example has seen its own message
// arrive, 1 on a console.error, a failure or the timeout.
//
//   node synapse-readme-example.mjs <README path> <server base url>
import { readFile } from "node:fs/promises";

const [readmePath, baseUrl] = process.argv.slice(2);
const print = (step, data) => process.stdout.write(JSON.stringify({ step, ...data }) + "\n");
const fail = (message) => {
  print("failed", { message });
  process.exit(1);
};
setTimeout(() => fail("timed out"), 20000).unref();
process.on("unhandledRejection", (err) => fail(`unhandled rejection: ${err?.stack ?? err}`));

const readme = await readFile(readmePath, "utf8");
const section = readme.split("<!-- synapse-server-api")[1]?.split("<!-- /synapse-server-api -->")[0];
const example = section?.match(/```js\n([\s\S]*?)```/)?.[1];
if (!example) {
  fail("no ```js block in the README's synapse-server-api section");
}

if (!example.includes("http://localhost:3001") || !example.includes('from "socket.io-client"')) {
  fail("the example no longer connects to http://localhost:3001 with socket.io-client");
}

// The only two changes: the server's address, and the package resolved from tests/interop
// (a module loaded from a data: URL cannot resolve bare package names itself).
const code = example
  .replaceAll("http://localhost:3001", baseUrl.replace(/\/$/, ""))
  .replace('from "socket.io-client"', `from ${JSON.stringify(import.meta.resolve("socket.io-client"))}`);

console.log = (...args) => {
  const text = args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
  print("log", { text });
  if (/: Hello!$/.test(text)) {
    process.exit(0);
  }
};
console.error = (...args) => fail(`console.error: ${args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")}`);

await import("data:text/javascript;base64," + Buffer.from(code).toString("base64"));
