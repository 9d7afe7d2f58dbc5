import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// `npm run dev` serves the client on :5173 and proxies the API and Socket.IO to the Synapse
// server on :3001 (start it with `dotnet run --project src/Synapse.Server`). `npm run build`
// writes dist/, which the server embeds and serves at /.
const server = process.env.SYNAPSE_SERVER ?? "http://localhost:3001";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: {
      "/api": { target: server, changeOrigin: true },
      "/socket.io": { target: server, changeOrigin: true, ws: true },
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
