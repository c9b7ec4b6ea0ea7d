// The live desk state: one EventSource on /api/desk/stream, event "desk", each event the whole state.
// EventSource reconnects by itself after a dropped connection (readyState CONNECTING); when the server answers
// with an error status (401 after the session ended, 5xx) it gives up (CLOSED): then we check the session (401 goes
// to /signin) and open a new one after a pause.
import { getSession } from './api.js';

/**
 * connectDesk({ onState(state), onConnection('connecting'|'connected'|'reconnecting') }) -> { close() }
 */
export function connectDesk({ onState, onConnection }) {
  let source = null;
  let closed = false;
  let retry = null;
  let failures = 0;

  const open = () => {
    if (closed) return;
    onConnection?.(failures ? 'reconnecting' : 'connecting');
    source = new EventSource('/api/desk/stream', { withCredentials: true });
    source.addEventListener('open', () => {
      failures = 0;
      onConnection?.('connected');
    });
    source.addEventListener('desk', event => {
      let state;
      try {
        state = JSON.parse(event.data);
      } catch {
        return;
      }
      onConnection?.('connected');
      onState(state);
    });
    source.addEventListener('error', () => {
      if (closed) return;
      failures += 1;
      onConnection?.('reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        clearTimeout(retry);
        retry = setTimeout(async () => {
          await getSession(true).catch(() => {});
          open();
        }, Math.min(30000, 1000 * 2 ** Math.min(failures, 5)));
      }
    });
  };

  open();
  return {
    close() {
      closed = true;
      clearTimeout(retry);
      source?.close();
    },
  };
}

/** Label and CSS class of a connection state. */
export function connectionText(state) {
  switch (state) {
    case 'connected': return 'Connected';
    case 'reconnecting': return 'Reconnecting…';
    default: return 'Connecting…';
  }
}
