// The one way the pages talk to the engine: same-origin fetch, JSON, the antiforgery token on state-changing
// requests, and a 401 sends the browser to the sign-in page (coming back here afterwards).

let csrf = null;
let session = null;

/** An HTTP error: status, the server's plain-words message, and the parsed body. */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** Sends the browser to /signin, asking it to come back to this page. */
export function toSignIn() {
  const here = location.pathname + location.search;
  location.assign(`/signin?return=${encodeURIComponent(here)}`);
}

/** The signed-in session ({user, csrf}); on 401 goes to /signin (the promise then never settles). */
export async function getSession(force = false) {
  if (session && !force) return session;
  const response = await fetch('/api/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (response.status === 401) {
    toSignIn();
    return new Promise(() => {});
  }
  if (!response.ok) throw new ApiError(response.status, `session: HTTP ${response.status}`, null);
  session = await response.json();
  csrf = session.csrf ?? csrf;
  return session;
}

/** Fetches the antiforgery token for anonymous pages (sign-in). */
export async function loadAntiforgery() {
  const response = await fetch('/api/antiforgery', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (response.ok) csrf = (await response.json()).csrf ?? null;
  return csrf;
}

async function ensureCsrf() {
  if (csrf) return csrf;
  try {
    await getSession(true);
  } catch {
    await loadAntiforgery();
  }
  return csrf;
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Calls the API. body: an object (sent as JSON), or a Blob/File (sent raw with options.contentType or its type).
 * Resolves to the parsed JSON (or null for 204/empty); rejects with ApiError (status, message from {"error"}).
 * options.noRedirect: do not go to /signin on 401 (the sign-in form itself).
 */
export async function api(method, path, body, options = {}) {
  const upper = method.toUpperCase();
  const attempt = async () => {
    const headers = { Accept: 'application/json' };
    let payload;
    if (body instanceof Blob) {
      payload = body;
      headers['Content-Type'] = options.contentType || body.type || 'application/octet-stream';
    } else if (body !== undefined && body !== null) {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    if (unsafe.has(upper)) {
      const token = await ensureCsrf();
      if (token) headers['X-CSRF-TOKEN'] = token;
    }
    return fetch(path, { method: upper, credentials: 'same-origin', headers, body: payload });
  };

  let response = await attempt();
  let parsed = await readBody(response);
  if (response.status === 400 && unsafe.has(upper) && looksLikeAntiforgery(parsed)) {
    // A token from before sign-in (or an expired one): fetch a fresh one and try once more.
    csrf = null;
    session = null;
    response = await attempt();
    parsed = await readBody(response);
  }
  if (response.status === 401 && !options.noRedirect) {
    toSignIn();
    return new Promise(() => {});
  }
  if (!response.ok) {
    const message = parsed && typeof parsed === 'object' && typeof parsed.error === 'string'
      ? parsed.error
      : (typeof parsed === 'string' && parsed.length && parsed.length < 300 ? parsed : `HTTP ${response.status}`);
    throw new ApiError(response.status, message, parsed);
  }
  return parsed;
}

function looksLikeAntiforgery(parsed) {
  if (parsed === null || parsed === undefined || parsed === '') return true;
  const text = typeof parsed === 'string' ? parsed : (parsed.error ?? parsed.title ?? '');
  return /antiforgery|csrf|xsrf/i.test(String(text));
}

async function readBody(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** Forgets the cached session and token (after sign-in or sign-out). */
export function resetSession() {
  session = null;
  csrf = null;
}

/** Signs out and goes to the sign-in page. */
export async function signOut() {
  try {
    await api('POST', '/api/signout', null, { noRedirect: true });
  } finally {
    resetSession();
    location.assign('/signin');
  }
}

/** Path-safe segment. */
export const seg = value => encodeURIComponent(String(value));
