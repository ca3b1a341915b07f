// Formatting: how numbers, times, statuses and reasons read on the page.
// Pure functions, no DOM. Every formatter answers '–' for a missing or
// non-finite value, so no `null`, `undefined` or `NaN` can reach the page.

export const CONNECTIVITY = ['offline', 'late', 'online', 'unknown'];
export const HEALTH = ['critical', 'degraded', 'healthy', 'unknown'];

/**
 * How loudly a row is marked: the worst part of its status. The order of
 * rows comes from the API (`sort=severity`); this only picks the stripe.
 */
export function band(connectivity, health) {
  if (connectivity === 'offline') return 'offline';
  if (health === 'critical') return 'critical';
  if (connectivity === 'late') return 'late';
  if (health === 'degraded') return 'degraded';
  if (connectivity !== 'online' || health !== 'healthy') return 'unknown';
  return 'ok';
}

/**
 * A late or offline site has sent nothing to judge since its last report:
 * its health is the last known one, not a current finding.
 */
export function healthIsLastKnown(connectivity, health) {
  return (connectivity === 'late' || connectivity === 'offline') && health !== 'unknown';
}

const intFmt = new Intl.NumberFormat('en-US');
const pad2 = (n) => String(n).padStart(2, '0');

/** A number from the API, or NaN when absent (so formatters say '–'). */
export function num(x) {
  return typeof x === 'number' ? x : NaN;
}

export function fmtInt(n) {
  return Number.isFinite(n) ? intFmt.format(n) : '–';
}

/** Compact elapsed time: `9s`, `4m 05s`, `2h 13m`, `3d 04h`. */
export function fmtAge(ms) {
  if (!Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad2(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad2(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${pad2(h % 24)}h`;
}

/** A silence in a reason: short ones as the assessor writes them (`0.6s`), then as ages. */
function fmtSilence(ms) {
  if (ms >= 10000) return fmtAge(ms);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
}

/** Errors per minute: exact zero stays `0` so any non-zero rate stands out. */
export function fmtRate(x) {
  if (!Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  if (x < 0.1) return '<0.1';
  if (x < 10) return x.toFixed(1);
  if (x < 10000) return String(Math.round(x));
  return `${(x / 1000).toFixed(0)}k`;
}

export function fmtBytes(n) {
  if (!Number.isFinite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n < 10 && i > 0 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

export function fmtPct(x) {
  return Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x)}%` : '–';
}

/** Local wall-clock time; the date is added when it is not today. */
export function fmtTime(ms) {
  if (!Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  const t = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return t;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${t}`;
}

export function fmtDuration(ms) {
  if (!Number.isFinite(ms)) return '–';
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

const NO_REPORT = 'no report for ';

/**
 * A reason as it reads now. The assessor writes a silent site's reason once,
 * at the transition ("no report for 15s (timeout 15s)"); shown later, that
 * figure would contradict the "last report" column. Its elapsed time is
 * re-computed from the last report instead, never below what the assessor
 * measured. The same rule as `healthmon_proto::reason::reason_at`, which
 * the CLI uses. Other reasons are returned as they are.
 */
export function liveReason(reason, lastReportMs, nowMs) {
  if (typeof reason !== 'string') return '';
  if (!reason.startsWith(NO_REPORT) || !Number.isFinite(lastReportMs)) return reason;
  const rest = reason.slice(NO_REPORT.length);
  const cut = rest.indexOf(' (');
  const said = cut < 0 ? rest : rest.slice(0, cut);
  const threshold = cut < 0 ? '' : rest.slice(cut);
  const saidSeconds = said.endsWith('s') ? Number(said.slice(0, -1)) : NaN;
  const saidMs = Number.isFinite(saidSeconds) && saidSeconds >= 0 ? Math.round(saidSeconds * 1000) : 0;
  const elapsed = Math.max(nowMs - lastReportMs, saidMs);
  return `${NO_REPORT}${fmtSilence(elapsed)}${threshold}`;
}
