/** Default `http.userId`: `request.user.id` (Passport and most auth guards put the user there). */
export function defaultUserId(request: unknown): string | undefined {
  const user = (request as { user?: { id?: unknown } } | null | undefined)?.user;
  const id = user?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** Default `websocket.payloadIds`: `job_id`/`jobId` and `thread_id`/`threadId` fields of an object payload. */
export function defaultPayloadIds(payload: unknown): { jobId?: string; sessionId?: string } | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const p = payload as Record<string, unknown>;
  return { jobId: idString(p.job_id ?? p.jobId), sessionId: idString(p.thread_id ?? p.threadId) };
}

function idString(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
