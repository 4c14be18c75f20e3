/**
 * `npm start`: the support-assistant sample on PORT (default 3000). Reads `sample-app/.env` when present
 * (see `.env.example`); with no API keys it talks to its embedded local model server.
 */
import { ConfigService } from '@nestjs/config';
import { TraceStoreService } from 'nestjs-ai-tracing';
import { createSampleApp } from './bootstrap.js';
import type { SampleEnvironment } from './config/environment.js';
import { LlmEndpoints } from './llm/llm-endpoints.js';
import { startupBanner } from './startup-banner.js';

const app = await createSampleApp();
app.enableShutdownHooks();
const config = app.get<ConfigService<SampleEnvironment, true>>(ConfigService);
const port = config.get('PORT', { infer: true });
await app.listen(port);
console.log(await startupBanner(`http://localhost:${port}`, config, app.get(LlmEndpoints), app.get(TraceStoreService)));
