/** Who a request or socket acts for. */
export interface AuthenticatedUser {
  id: string;
  tenantId?: string;
}

const ID = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * The user named by the `x-user-id` header (and tenant by `x-tenant-id`). A stand-in for real
 * authentication: swap in your JWT or session guard, as long as it sets `request.user = { id }`.
 */
export function userFromHeaders(headers: Record<string, string | string[] | undefined>): AuthenticatedUser | undefined {
  const id = first(headers['x-user-id']);
  if (!id || !ID.test(id)) return undefined;
  const tenantId = first(headers['x-tenant-id']);
  return tenantId && ID.test(tenantId) ? { id, tenantId } : { id };
}

/** `request.user`, where the middleware put it (Express and Fastify requests alike). */
export function userOfRequest(request: unknown): AuthenticatedUser | undefined {
  return asUser((request as { user?: unknown } | null | undefined)?.user);
}

/** The user a socket.io client authenticated as at handshake (`socket.data.user`). */
export function userOfSocket(client: unknown): AuthenticatedUser | undefined {
  return asUser((client as { data?: { user?: unknown } } | null | undefined)?.data?.user);
}

function asUser(value: unknown): AuthenticatedUser | undefined {
  const user = value as { id?: unknown; tenantId?: unknown } | null | undefined;
  if (typeof user?.id !== 'string') return undefined;
  return typeof user.tenantId === 'string' ? { id: user.id, tenantId: user.tenantId } : { id: user.id };
}

function first(value: string | string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
}
