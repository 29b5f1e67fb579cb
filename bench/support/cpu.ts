/**
 * CPU time used by this process and its direct children (the kube-apiserver and etcd that
 * `startControlPlane` spawns), to tell a run that waited on latency from one that was short of
 * CPU. Child times come from `/proc/<pid>/stat`, so they are Linux only.
 */
import { readFileSync, readdirSync } from 'node:fs';

/**
 * Clock ticks per second of the times in `/proc/<pid>/stat` (USER_HZ).
 * NOTE: assumed to be 100, its value on x86-64 and arm64; `getconf CLK_TCK` shows it.
 */
const ticksPerSecond = 100;

/** Fields of `/proc/<pid>/stat` after the command name: [0] is the state, [1] the parent pid, [11] utime, [12] stime. */
function statFields(pid: string): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself contain spaces or parentheses.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) of the live direct children of this process; undefined without `/proc`. */
function childrenCpuSeconds(): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }

  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    if (fields === undefined || Number(fields[1]) !== process.pid) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / ticksPerSecond;
}

/** CPU seconds (user + system) of this process and of its children. */
export interface CpuTime {
  process: number;
  children: number;
}

/** CPU seconds used so far by this process and its live children; undefined where `/proc` is missing. */
export function cpuTime(): CpuTime | undefined {
  const children = childrenCpuSeconds();
  if (children === undefined) return undefined;

  const own = process.cpuUsage();
  return { process: (own.user + own.system) / 1e6, children };
}

/** CPU seconds used between two readings. */
export function cpuSince(later: CpuTime, earlier: CpuTime): CpuTime {
  return { process: later.process - earlier.process, children: later.children - earlier.children };
}
