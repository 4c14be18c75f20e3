/**
 * Runs the local model server on its own: `node dist/sample-app/model-server/main.js`
 * (port from MODEL_SERVER_PORT, default 4010). Point any OpenAI client at `http://127.0.0.1:4010/v1` and
 * any Anthropic client at `http://127.0.0.1:4010`.
 */
import { startModelServer } from './model-server.js';

const server = await startModelServer({ port: Number(process.env.MODEL_SERVER_PORT ?? 4010) });
console.log(`Local model server on ${server.url} (OpenAI: ${server.url}/v1, Anthropic: ${server.url})`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
