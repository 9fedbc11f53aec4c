import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The API server to proxy to in `npm run dev` (the server prints its URL; self-signed by its own CA).
const apiTarget = process.env.MAMORI_API_URL ?? 'https://127.0.0.1:8443';

/** Builds the console into dist/, which the Mamori server serves with an SPA fallback. */
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/ },
            { name: 'mantine', test: /node_modules[\\/]@mantine[\\/](core|hooks|form|notifications)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: { '/api': { target: apiTarget, changeOrigin: false, secure: false } },
  },
});
