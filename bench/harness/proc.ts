// What an operator process costs, read from /proc (Linux only): CPU time and peak resident memory.
import { readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux the benchmark runs on (`getconf CLK_TCK`). */
const ticksPerSecond = 100;

/** User + system CPU seconds the process has used so far (all its threads; not its children). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12th and 13th after the name.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** One `kB` field of /proc/<pid>/status, in bytes. */
async function statusBytes(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1];
  if (kib === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

/** The process's peak resident set size so far (VmHWM), in bytes. */
export function peakRssBytes(pid: number): Promise<number> {
  return statusBytes(pid, 'VmHWM');
}

/**
 * The resident set now, split: anonymous memory (heaps, stacks, JIT code) and file-backed pages (mostly the
 * executable's own code and data: shared and clean, reclaimable under pressure, but counted in VmHWM).
 */
export async function rssParts(pid: number): Promise<{ anonBytes: number; fileBytes: number }> {
  return { anonBytes: await statusBytes(pid, 'RssAnon'), fileBytes: await statusBytes(pid, 'RssFile') };
}

/** The process's resident set size now (VmRSS), in bytes. */
export function rssBytes(pid: number): Promise<number> {
  return statusBytes(pid, 'VmRSS');
}
