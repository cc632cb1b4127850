// The admin CLI's HTTP calls: one function per server route it uses.

export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export interface AdminClient {
  call(method: string, path: string, body?: unknown, admin?: boolean): Promise<unknown>;
}

export function adminClient(server: string, token: string | undefined): AdminClient {
  return {
    async call(method, path, body, admin = true) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (admin) {
        if (!token) throw new AdminError(0, 'HEARTH_ADMIN_TOKEN is not set (the admin routes need it)');
        headers.authorization = `Bearer ${token}`;
      }
      let res: Response;
      try {
        res = await fetch(server + path, {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (e) {
        throw new AdminError(0, `cannot reach the aggregator at ${server}: ${(e as Error).message}`);
      }
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      if (!res.ok) {
        const err = (json as { error?: { message?: string } }).error;
        throw new AdminError(res.status, `${method} ${path}: ${res.status} ${err?.message ?? text}`);
      }
      return json;
    },
  };
}
