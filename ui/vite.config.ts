/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Tauri serves ui/dist from the app root, so the default base ('/') is kept.
export default defineConfig({
  plugins: [svelte()],
  // Keep Rust/Tauri output visible when both run in one terminal.
  clearScreen: false,
  server: {
    // Tauri's devUrl points here; fail instead of silently moving to another port.
    port: 1420,
    strictPort: true,
    watch: { ignored: ['**/src-tauri/**'] },
  },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK 2.40+ (Linux), WKWebView (macOS 12+) and WebView2 all handle this.
    target: 'safari15',
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
