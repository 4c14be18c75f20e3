import { ConfigService } from '@nestjs/config';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TraceStoreService } from '../../lib/index.js';
import type { SampleEnvironment } from '../../sample-app/config/environment.js';
import { LlmEndpoints } from '../../sample-app/llm/llm-endpoints.js';
import { startupBanner, withoutCredentials } from '../../sample-app/startup-banner.js';

describe('sample startup banner', () => {
  it('never prints the user:password@ of the OTLP endpoint', async () => {
    const config = new ConfigService<SampleEnvironment, true>({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://tenant:s3cr3t-key@collector.example:4318/',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: 'https://openai.example/v1',
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: 'https://anthropic.example',
    } as unknown as SampleEnvironment);
    const llm = await LlmEndpoints.resolve(config);
    const banner = await startupBanner('http://localhost:3000', config, llm, new TraceStoreService(null));
    assert.match(banner, /exported over OTLP to https:\/\/collector\.example:4318\/v1\/traces/);
    assert.doesNotMatch(banner, /s3cr3t|tenant:/);
  });

  it('leaves URLs without credentials as they are, and says nothing of an unparsable one', () => {
    assert.equal(withoutCredentials('http://user:pw@localhost:4318/v1/traces'), 'http://localhost:4318/v1/traces');
    assert.equal(withoutCredentials('http://token@localhost:4318'), 'http://localhost:4318/');
    assert.equal(withoutCredentials('http://localhost:4318/v1/traces'), 'http://localhost:4318/v1/traces');
    assert.equal(withoutCredentials('user:pw@host'), '(invalid URL)');
  });
});
