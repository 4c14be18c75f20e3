#!/usr/bin/env node
/**
 * Checks that `nest start` (Nest CLI, nest-cli.json at the top level) builds and serves the sample app: starts it
 * on a free port, waits for GET /health to answer 200, then stops it. Exit code 0 only then.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
const port = await freePort();
// Queued runs off (a Redis URL on a port nothing listens on): this check must not leave queue keys in the shared Redis.
const env = { ...process.env, PORT: String(port), REDIS_URL: `redis://127.0.0.1:${await freePort()}` };
const child = spawn('npx', ['nest', 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
let output = '';
child.stdout.on('data', (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
const stop = () => {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
const deadline = Date.now() + 180_000;
let ok = false;
while (Date.now() < deadline && child.exitCode === null) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    if (response.status === 200) {
      ok = true;
      break;
    }
  } catch {
    // not listening yet
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
stop();
if (!ok) {
  process.stderr.write(`nest start did not serve the sample app on port ${port}${child.exitCode !== null ? ` (exited with ${child.exitCode})` : ''}\n`);
  process.exit(1);
}
process.stdout.write(`\nnest start served the sample app: GET http://127.0.0.1:${port}/health answered 200\n`);
