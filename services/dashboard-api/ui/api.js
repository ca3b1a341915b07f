// API access: JSON GETs of /api/v1, admin writes, the access token, and
// the central clock.
//
// Every failure becomes an ApiError with the API's own `code` and `message`
// (status 0 when the API cannot be reached at all), so the banner can say
// which part of the system is down.

export const API = '/api/v1';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// ---- central clock -----------------------------------------------------------
// Ages are computed against the API's clock, not the browser's.

let clockOffset = 0; // central clock minus browser clock, ms

/** Learns the central clock from the `Date` header; ignored within 2 s (its resolution is 1 s). */
function noteServerClock(dateHeader, sentMs, receivedMs) {
  const server = Date.parse(dateHeader || '');
  if (!Number.isFinite(server)) return;
  const estimate = server + 500 - (sentMs + receivedMs) / 2;
  clockOffset = Math.abs(estimate) < 2000 ? 0 : Math.round(estimate);
}

/** Central time now, unix ms. */
export function serverNow() {
  return Date.now() + clockOffset;
}

// ---- access token --------------------------------------------------------------
// When the API requires a token (401), ask once and keep it for this tab only.

const TOKEN_KEY = 'healthmon.token';
let askingToken = false;
let tokenChanged = () => {};

export function accessToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

/** `fn` runs after the user gave a new token (reload data, reconnect the stream). */
export function onTokenChange(fn) {
  tokenChanged = fn;
}

function askForToken(rejected) {
  if (askingToken) return;
  askingToken = true;
  const hint = rejected ? 'That token was not accepted. ' : '';
  const token = (window.prompt(`${hint}This dashboard needs an access token (ask its administrator):`) || '').trim();
  askingToken = false;
  if (!token) return;
  try { sessionStorage.setItem(TOKEN_KEY, token); } catch { /* private mode: this page only */ }
  tokenChanged();
}

// ---- requests ------------------------------------------------------------------

/** GET `path` as JSON; throws ApiError (or AbortError when `signal` aborts). */
export function fetchJson(path, signal) {
  return request('GET', path, undefined, signal);
}

/**
 * An admin action: `method` (PUT, DELETE) on `path` with `body` as JSON
 * (none when undefined); resolves to the answer, or throws ApiError with
 * the API's own message (403 for a viewer, 409, 503 registry_unavailable).
 */
export function sendJson(method, path, body) {
  return request(method, path, body);
}

async function request(method, path, payload, signal) {
  const sent = Date.now();
  const token = accessToken();
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, signal, cache: 'no-store', headers };
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(payload);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'unreachable', 'cannot reach the dashboard API');
  }
  noteServerClock(res.headers.get('Date'), sent, Date.now());
  let body = null;
  try { body = await res.json(); } catch { /* not JSON: reported below */ }
  if (res.status === 401) setTimeout(() => askForToken(Boolean(token)), 0);
  if (!res.ok) {
    const err = body && body.error;
    throw new ApiError(res.status, (err && err.code) || `http_${res.status}`, (err && err.message) || res.statusText || 'request failed');
  }
  if (body === null) throw new ApiError(res.status, 'bad_body', 'the API answered with something that is not JSON');
  return body;
}
