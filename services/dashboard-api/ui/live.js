// Live updates: the /api/v1/events Server-Sent Events stream, its state in
// the top bar (connecting, live, reconnecting), and reconnecting by itself.

import { API, accessToken } from './api.js';
import { $, setAttr, setText } from './dom.js';
import { state } from './state.js';

let source = null;
let retryDelay = 1000;
let retryTimer = null;
let handlers = { onStatus() {}, onOpen() {}, onLagged() {} };

function setLive(live) {
  state.live = live;
  const el = $('live-status');
  setText(el, live);
  setAttr(el, 'data-state', live);
}

function onStatusMessage(msg) {
  let e;
  try { e = JSON.parse(msg.data); } catch { return; }
  if (!e || typeof e.site_id !== 'string') return;
  handlers.onStatus(e);
}

function connect() {
  clearTimeout(retryTimer);
  // EventSource cannot send headers: the API takes the token in the query on this route only.
  const token = accessToken();
  source = new EventSource(`${API}/events${token ? `?access_token=${encodeURIComponent(token)}` : ''}`);
  source.addEventListener('open', () => {
    retryDelay = 1000;
    setLive('live');
    handlers.onOpen(); // whatever changed while we were away
  });
  source.addEventListener('status', onStatusMessage);
  source.addEventListener('lagged', () => handlers.onLagged());
  source.addEventListener('error', () => {
    if (state.live === 'live') state.gaps += 1;
    setLive('reconnecting');
    // The browser retries dropped streams itself; a refused one (e.g. 502 from
    // a proxy while the API restarts) is closed for good, so start over.
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    }
  });
}

/**
 * Opens the stream: `onStatus(event)` for each status event, `onOpen()` on
 * every (re)connection, `onLagged()` when the server says events were lost.
 */
export function connectLive(on) {
  handlers = { ...handlers, ...on };
  setLive('connecting');
  connect();
}

/** Starts the stream over (e.g. with a new access token). */
export function reconnectLive() {
  if (source) source.close();
  connect();
}
