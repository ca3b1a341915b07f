// Timing helpers for refreshes: debouncing bursts and never running a load twice at once.

/** Trailing debounce that still fires at least every `maxWait` ms under a steady stream. */
export function debounced(fn, wait, maxWait) {
  let timer = null;
  let first = 0;
  return () => {
    const now = performance.now();
    if (timer === null) first = now;
    else clearTimeout(timer);
    timer = setTimeout(() => { timer = null; fn(); }, Math.max(0, Math.min(wait, first + maxWait - now)));
  };
}

/** Runs `load` one at a time; calls made meanwhile collapse into one more run. */
export function singleFlight(load) {
  let busy = false;
  let again = false;
  return async () => {
    if (busy) { again = true; return; }
    busy = true;
    try {
      do { again = false; await load(); } while (again);
    } finally {
      busy = false;
    }
  };
}
