import type { Attributes } from '@opentelemetry/api';
import { CostAttributes, GenAiAttributes, HttpAttributes, ProviderAttributes } from '../../semconv.js';
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
  providerEnd(out: Attributes, { call }: ProviderCallEnd) {
    if (call.attempts > 0) out[ProviderAttributes.ATTEMPTS] = call.attempts;
    if (call.serverAddress) {
      out[HttpAttributes.SERVER_ADDRESS] = call.serverAddress;
      if (call.serverPort !== undefined) out[HttpAttributes.SERVER_PORT] = call.serverPort;
    }
    const failure = call.failure;
    if (!failure) return;
    out[ProviderAttributes.ERROR_CATEGORY] = failure.category;
    const code = failure.code ?? call.errorCode;
    if (code) out[ProviderAttributes.ERROR_CODE] = code;
    const status = failure.status ?? call.httpStatus;
    if (status !== undefined) out[HttpAttributes.RESPONSE_STATUS_CODE] = status;
  },
  cost(out, cost, usage, nonTokenUsd) {
    if (nonTokenUsd > 0) out[CostAttributes.NON_TOKEN_USD] = nonTokenUsd;
    if (!cost.priced) {
      out[CostAttributes.PRICED] = false;
      out[CostAttributes.UNPRICED_REASON] = cost.reason;
      return;
    }
    out[CostAttributes.USD] = cost.totalUsd;
    out[CostAttributes.CURRENCY] = 'USD';
    out[CostAttributes.PRICED] = true;
    out[CostAttributes.SOURCE] = cost.source;
    const tokens = usage ? usage.inputTokens + usage.outputTokens : 0;
    if (tokens > 0) out[CostAttributes.USD_PER_1K_TOKENS] = (cost.totalUsd * 1000) / tokens;
  },
};
