import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The local ports of process `pid`'s TCP connections to `port` on 127.0.0.1, read from /proc: the
 * socket inodes among its file descriptors, matched against the kernel's TCP table.
 */
function connectionPorts(pid: number, port: number): number[] {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((inode): inode is string => inode !== undefined),
    );
  } catch {
    return [];
  }
  const remote = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const ports: number[] = [];
  for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [local, rem, inode] = [fields[1], fields[2], fields[9]];
    if (!local || rem !== remote || !inode || !inodes.has(inode)) continue;
    ports.push(Number.parseInt(local.split(':')[1] ?? '0', 16));
  }
  return ports;
}

/**
 * Cuts every connection process `pid` has to the server (`CLIENT KILL ADDR`), as a network fault
 * would. Resolves with how many were cut.
 */
export async function killConnectionsOf(
  pid: number,
  port: number,
  command: (args: string[]) => Promise<unknown>,
): Promise<number> {
  let cut = 0;
  for (const local of connectionPorts(pid, port)) {
    try {
      await command(['CLIENT', 'KILL', 'ADDR', `127.0.0.1:${local}`]);
      cut += 1;
    } catch {
      // Already gone.
    }
  }
  return cut;
}
