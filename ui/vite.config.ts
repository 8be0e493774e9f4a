// The daemon serves the built files from the same origin as the API, so the UI calls
// relative URLs and needs no CORS.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true },
});
