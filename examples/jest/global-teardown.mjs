// Stops the ddlocal global-setup.mjs started.
export default async function globalTeardown() {
  await globalThis.__DDLOCAL__?.stop();
}
