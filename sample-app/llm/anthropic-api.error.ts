/** An error answer of the Anthropic API (`{ type: 'error', error: { type, message } }`). */
export class AnthropicApiError extends Error {
  override readonly name = 'AnthropicApiError';

  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(`${status} ${errorType}: ${message}`);
  }

  static async fromResponse(response: Response): Promise<AnthropicApiError> {
    const body = (await response.json().catch(() => undefined)) as { error?: { type?: unknown; message?: unknown } } | undefined;
    const type = typeof body?.error?.type === 'string' ? body.error.type : 'api_error';
    const message = typeof body?.error?.message === 'string' ? body.error.message : response.statusText;
    return new AnthropicApiError(response.status, type, message);
  }
}
