// The JSON API's client (docs/web-api.md). Every state-changing request carries the session's
// CSRF token in a header; an error answer names the field to fix, which the forms show beside
// that field.

export interface ApiErrorBody {
  field?: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly field: string,
    message: string,
    readonly body: unknown = null,
  ) {
    super(message);
  }
}

let csrfToken = '';
export function setCsrfToken(token: string): void {
  csrfToken = token;
}
export function csrf(): string {
  return csrfToken;
}

// Called on a 401: the app shows the login page.
let onUnauthorised: () => void = () => {};
export function setUnauthorisedHandler(handler: () => void): void {
  onUnauthorised = handler;
}

async function parse(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: `the server answered ${res.status} with something that is not JSON` } };
  }
}

function errorOf(status: number, body: unknown): ApiError {
  const err = (body as { error?: ApiErrorBody | string } | null)?.error;
  if (typeof err === 'string') return new ApiError(status, '', err, body);
  if (err && typeof err.message === 'string') return new ApiError(status, err.field ?? '', err.message, body);
  return new ApiError(status, '', `the server answered ${status}`, body);
}

export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    throw new ApiError(0, '', `the dashboard's server did not answer (${(e as Error).message}): is \`itdd clinic serve\` running?`);
  }
  const parsed = await parse(res);
  if (!res.ok) {
    const error = errorOf(res.status, parsed);
    if (res.status === 401 && !path.endsWith('/login')) onUnauthorised();
    throw error;
  }
  return parsed as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal);
export const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, body);
