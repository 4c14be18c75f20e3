import { CostAttributes, GenAiAttributes, HttpAttributes, ProviderAttributes } from '../../semconv.js';
import type { AttributeBatch } from './attribute-batch.js';
import type { Convention, ProviderCallEnd } from './convention.js';

/**
 * The library's own attributes, always on: the role marker every library span carries (the trace store and the
 * explorer read roles from it), the price of a provider call and where it came from, and what its HTTP attempts
 * and failure looked like.
 */
export const libraryConvention: Convention = {
  name: 'library',
  roleAttributes(role, out) {
    out[GenAiAttributes.SPAN_TYPE] = role;
  },
  providerEnd(out: AttributeBatch, { call }: ProviderCallEnd) {
    if (call.attempts > 0) out.set(ProviderAttributes.ATTEMPTS, call.attempts);
    if (call.serverAddress) {
      out.set(HttpAttributes.SERVER_ADDRESS, call.serverAddress);
      if (call.serverPort !== undefined) out.set(HttpAttributes.SERVER_PORT, call.serverPort);
    }
    const failure = call.failure;
    if (!failure) return;
    out.set(ProviderAttributes.ERROR_CATEGORY, failure.category);
    const code = failure.code ?? call.errorCode;
    if (code) out.set(ProviderAttributes.ERROR_CODE, code);
    const status = failure.status ?? call.httpStatus;
    if (status !== undefined) out.set(HttpAttributes.RESPONSE_STATUS_CODE, status);
  },
  cost(out, cost, usage, nonTokenUsd) {
    if (nonTokenUsd > 0) out.set(CostAttributes.NON_TOKEN_USD, nonTokenUsd);
    if (!cost.priced) {
      out.set(CostAttributes.PRICED, false);
      out.set(CostAttributes.UNPRICED_REASON, cost.reason);
      return;
    }
    out.set(CostAttributes.USD, cost.totalUsd);
    out.set(CostAttributes.CURRENCY, 'USD');
    out.set(CostAttributes.PRICED, true);
    out.set(CostAttributes.SOURCE, cost.source);
    const tokens = usage ? usage.inputTokens + usage.outputTokens : 0;
    if (tokens > 0) out.set(CostAttributes.USD_PER_1K_TOKENS, (cost.totalUsd * 1000) / tokens);
  },
};
